// v1 API: create or replace an API key record (only the keyed hash and the prefix are stored).
// @writes
// @param id string                        key id (its public prefix)
// @param hash string                      HMAC-SHA256 of the key with the server secret, hex
// @param role string                      reader | investigator | admin
// @param name string                      who or what the key is for
MERGE (k:ApiKey {id: $id})
ON CREATE SET k.created_at = datetime()
SET k.hash = $hash, k.role = $role, k.name = $name, k.revoked = false
RETURN k {.id, .role, .name, .revoked, .created_at} AS key
