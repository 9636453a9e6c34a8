// v1 API: one finding by id with its evidence and lifecycle status (superseded ones too); no row when unknown.
// @param id string                        the finding id (`finding:<hex>`)
MATCH (f:Finding {id: $id})
RETURN f {.id, .detector, .detector_version, .subject_kind, .subject_id, .score, .title, .summary,
          .measures_json, .details_json, .node_ids, .run_id, .tables_version, .created_at,
          status: coalesce(f.status, 'new')} AS finding
