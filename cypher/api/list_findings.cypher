// Findings with filters and pagination, strongest first, superseded ones left out: one row {total, items}.
// @param detector string = null     one detector code, or null
// @param subject_id string = null   findings about one subject, or null
// @param min_score float = 0.0      lowest score kept
// @param since string = null        ISO date-time: only findings created from then on, or null
// @param skip int = 0               rows to skip
// @param limit int = 50             page size
MATCH (f:Finding)
WHERE f.score >= $min_score AND coalesce(f.status, 'new') <> 'superseded'
  AND ($detector IS NULL OR f.detector = $detector)
  AND ($subject_id IS NULL OR f.subject_id = $subject_id)
  AND ($since IS NULL OR f.created_at >= datetime($since))
WITH f ORDER BY f.score DESC, f.id
WITH collect(f) AS ranked
RETURN size(ranked) AS total,
       [f IN ranked[$skip..$skip + $limit] | f {.id, .detector, .detector_version, .subject_kind, .subject_id,
         .score, .title, .summary, .measures_json, .node_ids, .run_id, .tables_version, .created_at}] AS items
