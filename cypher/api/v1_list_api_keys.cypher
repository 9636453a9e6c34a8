// v1 API: every API key record, newest first (never the hash).
MATCH (k:ApiKey)
RETURN k.id AS id, k.role AS role, k.name AS name, k.revoked AS revoked, k.created_at AS created_at
ORDER BY k.created_at DESC, k.id
