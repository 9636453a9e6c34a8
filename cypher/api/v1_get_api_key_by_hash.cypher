// v1 API: the key whose keyed hash is $hash, when not revoked; no row otherwise.
// @param hash string                      HMAC-SHA256 of the presented key, hex
MATCH (k:ApiKey {hash: $hash})
WHERE NOT coalesce(k.revoked, false)
RETURN k.id AS id, k.role AS role, k.name AS name
