// v1 API: agencies with risk range, detector, UF and tender filters (published a tender of this modality,
// in this period), a chosen sort and pagination. One row {total, items}.
// @param min_risk float = 0.0             lowest risk_score kept (no score counts as 0)
// @param max_risk float = 1.0             highest risk_score kept
// @param detector string = null           only agencies with a finding of this detector about them or their tenders
// @param uf string = null                 state (UF), or null
// @param modality_id int = null           only agencies with a tender of this modality, or null
// @param published_from string = null     ISO date-time: with a tender published at or after, or null
// @param published_to string = null       ISO date-time: with a tender published before, or null
// @param sort string = "risk_score"       risk_score | n_findings | name | id
// @param descending bool = true           sort direction
// @param skip int = 0                     rows to skip
// @param limit int = 50                   page size
MATCH (a:Agency)
WHERE coalesce(a.risk_score, 0.0) >= $min_risk AND coalesce(a.risk_score, 0.0) <= $max_risk
  AND ($uf IS NULL OR a.uf = $uf)
  AND (($modality_id IS NULL AND $published_from IS NULL AND $published_to IS NULL)
       OR EXISTS {
         MATCH (t:Tender) WHERE t.agency_id = a.id
           AND ($modality_id IS NULL OR t.modality_id = $modality_id)
           AND ($published_from IS NULL OR t.published_at >= datetime($published_from))
           AND ($published_to IS NULL OR t.published_at < datetime($published_to)) })
  AND ($detector IS NULL
       OR EXISTS { MATCH (f:Finding)-[:ABOUT]->(a) WHERE f.detector = $detector }
       OR EXISTS { MATCH (f:Finding)-[:ABOUT]->(t:Tender) WHERE t.agency_id = a.id AND f.detector = $detector })
WITH a, CASE $sort
    WHEN 'n_findings' THEN toFloat(coalesce(a.risk_n_findings, 0))
    WHEN 'id' THEN null
    WHEN 'name' THEN null
    ELSE coalesce(a.risk_score, 0.0) END AS k
ORDER BY CASE WHEN $descending THEN k END DESC, CASE WHEN NOT $descending THEN k END ASC,
         CASE WHEN $sort = 'name' AND $descending THEN a.name END DESC,
         CASE WHEN $sort = 'name' AND NOT $descending THEN a.name END ASC,
         CASE WHEN $descending AND $sort = 'id' THEN a.id END DESC, a.id
WITH collect(a) AS ranked
RETURN size(ranked) AS total,
       [a IN ranked[$skip..$skip + $limit] | {
         id: a.id, kind: 'agency', name: a.name, risk_score: a.risk_score,
         n_findings: coalesce(a.risk_n_findings, 0), cnpj: a.cnpj, uf: a.uf, sphere: a.sphere
       }] AS items
