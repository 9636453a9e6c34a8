// v1 API: a finding's current status and its history (every status change and verdict, oldest first).
// No row when the finding is unknown.
// @param id string                        the finding id
MATCH (f:Finding {id: $id})
OPTIONAL MATCH (f)-[:HAS_EVENT]->(h:FindingEvent)
WITH f, h ORDER BY h.seq
RETURN f.id AS finding_id, coalesce(f.status, 'new') AS status,
       collect(h {.status, .verdict, .note, .who, .at, .run_id}) AS history
