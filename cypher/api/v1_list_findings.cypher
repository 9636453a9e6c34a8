// v1 API: findings with score range, detector, subject, agency, period and lifecycle status filters,
// strongest first (or newest first), paginated. One row {total, items}.
// @param min_score float = 0.0            lowest score kept
// @param max_score float = 1.0            highest score kept
// @param detector string = null           one detector code, or null
// @param subject_kind string = null       tender | supplier | agency | item, or null
// @param subject_id string = null         findings about one subject, or null
// @param agency_id string = null          findings about this agency or about one of its tenders, or null
// @param created_from string = null       ISO date-time: created at or after, or null
// @param created_to string = null         ISO date-time: created before, or null
// @param statuses list = null            lifecycle statuses kept, or null: every status but superseded
// @param sort string = "score"            score | created_at | id
// @param descending bool = true           sort direction
// @param skip int = 0                     rows to skip
// @param limit int = 50                   page size
MATCH (f:Finding)
WITH f, coalesce(f.status, 'new') AS status
WHERE (CASE WHEN $statuses IS NULL THEN status <> 'superseded' ELSE status IN $statuses END)
  AND f.score >= $min_score AND f.score <= $max_score
  AND ($detector IS NULL OR f.detector = $detector)
  AND ($subject_kind IS NULL OR f.subject_kind = $subject_kind)
  AND ($subject_id IS NULL OR f.subject_id = $subject_id)
  AND ($created_from IS NULL OR f.created_at >= datetime($created_from))
  AND ($created_to IS NULL OR f.created_at < datetime($created_to))
  AND ($agency_id IS NULL OR f.subject_id = $agency_id
       OR EXISTS { MATCH (f)-[:ABOUT]->(t:Tender) WHERE t.agency_id = $agency_id })
WITH f, CASE $sort
    WHEN 'created_at' THEN toFloat(f.created_at.epochMillis)
    WHEN 'id' THEN null
    ELSE f.score END AS k
ORDER BY CASE WHEN $descending THEN k END DESC, CASE WHEN NOT $descending THEN k END ASC,
         CASE WHEN $descending AND $sort = 'id' THEN f.id END DESC, f.id
WITH collect(f) AS ranked
RETURN size(ranked) AS total,
       [f IN ranked[$skip..$skip + $limit] | f {.id, .detector, .detector_version, .subject_kind, .subject_id,
         .score, .title, .summary, .measures_json, .details_json, .node_ids, .run_id, .tables_version, .created_at, status: coalesce(f.status, 'new')}] AS items
