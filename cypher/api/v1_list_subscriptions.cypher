// v1 API: subscriptions of one owner (or all when $owner is null), newest first, paginated.
// @param owner string = null              owner key id, or null for admins
// @param skip int = 0                     rows to skip
// @param limit int = 50                   page size
MATCH (s:Subscription)
WHERE $owner IS NULL OR s.owner = $owner
WITH s ORDER BY s.created_at DESC, s.id
WITH collect(s) AS ranked
RETURN size(ranked) AS total, [s IN ranked[$skip..$skip + $limit] | s {.*}] AS items
