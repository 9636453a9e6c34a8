// v1 API: the current lifecycle status of some findings (for reads whose query does not carry it).
// @param ids list                         finding ids
MATCH (f:Finding)
WHERE f.id IN $ids
RETURN f.id AS id, coalesce(f.status, 'new') AS status
