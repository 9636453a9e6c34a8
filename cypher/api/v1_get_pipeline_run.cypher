// v1 API and alerts: one pipeline run; no row when unknown.
// @param id string                        run id
MATCH (r:PipelineRun {id: $id})
RETURN r {.*} AS run
