// v1 API: one subscription, visible to its owner (or to anyone when $owner is null); no row otherwise.
// @param id string                        subscription id
// @param owner string = null              owner key id, or null for admins
MATCH (s:Subscription {id: $id})
WHERE $owner IS NULL OR s.owner = $owner
RETURN s {.*} AS subscription
