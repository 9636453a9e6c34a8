// The review queue's candidates: unreviewed findings (by default status `new`) with the combined risk of
// their subject, which graph/verdicts.review_queue orders with core/review.py.
// @param statuses list = ["new"]          lifecycle statuses that count as not yet reviewed
// @param detector string = null           one detector code, or null
// @param agency_id string = null          findings about this agency or one of its tenders, or null
MATCH (f:Finding)
WHERE coalesce(f.status, 'new') IN $statuses
  AND ($detector IS NULL OR f.detector = $detector)
  AND ($agency_id IS NULL OR f.subject_id = $agency_id
       OR EXISTS { MATCH (f)-[:ABOUT]->(t:Tender) WHERE t.agency_id = $agency_id })
OPTIONAL MATCH (f)-[:ABOUT]->(s)
WITH f, head(collect(s)) AS s
RETURN f {.id, .detector, .detector_version, .subject_kind, .subject_id, .score, .title, .summary,
          .measures_json, .details_json, .node_ids, .run_id, .tables_version, .created_at, status: coalesce(f.status, 'new')} AS finding,
       s.risk_score AS subject_risk, coalesce(s.risk_weights_source, 'prior') AS weights_source
ORDER BY f.id
