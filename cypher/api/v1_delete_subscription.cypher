// v1 API: delete one subscription; returns how many were deleted (0 or 1).
// @writes
// @param id string                        subscription id
// @param owner string = null              owner key id, or null for admins
OPTIONAL MATCH (s:Subscription {id: $id})
WHERE $owner IS NULL OR s.owner = $owner
WITH s, CASE WHEN s IS NULL THEN 0 ELSE 1 END AS n
DETACH DELETE s
RETURN n AS deleted
