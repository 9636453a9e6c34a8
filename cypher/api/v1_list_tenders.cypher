// v1 API: tenders with risk range, detector, agency, modality and period filters, a chosen sort and
// pagination. One row {total, items}.
// @param min_risk float = 0.0             lowest risk_score kept (no score counts as 0)
// @param max_risk float = 1.0             highest risk_score kept
// @param detector string = null           only tenders with a finding of this detector, or null
// @param agency_id string = null          one agency, or null
// @param modality_id int = null           one PNCP modalidadeId, or null
// @param published_from string = null     ISO date-time: published at or after, or null
// @param published_to string = null       ISO date-time: published before, or null
// @param sort string = "risk_score"       risk_score | published_at | estimated_value | n_findings | id
// @param descending bool = true           sort direction
// @param skip int = 0                     rows to skip
// @param limit int = 50                   page size
MATCH (t:Tender)
WHERE coalesce(t.risk_score, 0.0) >= $min_risk AND coalesce(t.risk_score, 0.0) <= $max_risk
  AND ($agency_id IS NULL OR t.agency_id = $agency_id)
  AND ($modality_id IS NULL OR t.modality_id = $modality_id)
  AND ($published_from IS NULL OR t.published_at >= datetime($published_from))
  AND ($published_to IS NULL OR t.published_at < datetime($published_to))
  AND ($detector IS NULL OR EXISTS { MATCH (f:Finding)-[:ABOUT]->(t) WHERE f.detector = $detector })
WITH t, CASE $sort
    WHEN 'published_at' THEN toFloat(t.published_at.epochMillis)
    WHEN 'estimated_value' THEN toFloat(t.estimated_value)
    WHEN 'n_findings' THEN toFloat(coalesce(t.risk_n_findings, 0))
    WHEN 'id' THEN null
    ELSE coalesce(t.risk_score, 0.0) END AS k
ORDER BY CASE WHEN $descending THEN k END DESC, CASE WHEN NOT $descending THEN k END ASC,
         CASE WHEN $descending AND $sort = 'id' THEN t.id END DESC, t.id
WITH collect(t) AS ranked
RETURN size(ranked) AS total,
       [t IN ranked[$skip..$skip + $limit] | {
         id: t.id, kind: 'tender', name: t.object, risk_score: t.risk_score,
         n_findings: coalesce(t.risk_n_findings, 0), agency_id: t.agency_id, unit_id: t.unit_id,
         year: t.year, modality_id: t.modality_id, modality: t.modality,
         estimated_value: t.estimated_value, awarded_value: t.awarded_value, published_at: t.published_at
       }] AS items
