// v1 API: pipeline runs, newest first, paginated. One row {total, items}.
// @param status string = null             queued | running | succeeded | failed, or null
// @param skip int = 0                     rows to skip
// @param limit int = 50                   page size
MATCH (r:PipelineRun)
WHERE $status IS NULL OR r.status = $status
WITH r ORDER BY r.created_at DESC, r.id
WITH collect(r) AS ranked
RETURN size(ranked) AS total, [r IN ranked[$skip..$skip + $limit] | r {.*}] AS items
