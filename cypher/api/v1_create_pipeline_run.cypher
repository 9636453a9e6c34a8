// v1 API and alerts: record a requested pipeline run (idempotent on its id).
// @writes
// @param id string                        run id
// @param steps list                       step names to run, in order
// @param options_json string = "{}"       JSON object of run options (paths)
// @param requested_by string              API key id, `beat` or `cli`
MERGE (r:PipelineRun {id: $id})
ON CREATE SET r.status = 'queued', r.steps = $steps, r.options_json = $options_json,
              r.requested_by = $requested_by, r.created_at = datetime(), r.timings_json = '{}'
RETURN r {.*} AS run
