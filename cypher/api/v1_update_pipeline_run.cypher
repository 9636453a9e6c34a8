// alerts: the state of a pipeline run as it goes (status, current step, step timings, error, counts).
// @writes
// @param id string                        run id
// @param status string                    queued | running | succeeded | failed
// @param step string = null               the step now running, or null
// @param timings_json string = "{}"       JSON {step: seconds}
// @param counts_json string = "{}"        JSON {step: {what: count}}
// @param error string = null              error message when failed
MATCH (r:PipelineRun {id: $id})
SET r.status = $status, r.step = $step, r.timings_json = $timings_json, r.counts_json = $counts_json,
    r.error = $error, r.updated_at = datetime(),
    r.started_at = CASE WHEN $status = 'running' AND r.started_at IS NULL THEN datetime() ELSE r.started_at END,
    r.finished_at = CASE WHEN $status IN ['succeeded', 'failed'] THEN datetime() ELSE r.finished_at END
RETURN r {.*} AS run
