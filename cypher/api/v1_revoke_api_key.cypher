// v1 API: revoke one API key; returns it, or no row when unknown.
// @writes
// @param id string                        key id
MATCH (k:ApiKey {id: $id})
SET k.revoked = true, k.revoked_at = datetime()
RETURN k.id AS id, k.role AS role, k.name AS name, k.revoked AS revoked, k.created_at AS created_at
