// v1 API: suppliers with risk range, detector, name and award filters (won an item of a tender of this
// agency, of this modality, published in this period), a chosen sort and pagination. One row {total, items}.
// @param min_risk float = 0.0             lowest risk_score kept (no score counts as 0)
// @param max_risk float = 1.0             highest risk_score kept
// @param detector string = null           only suppliers with a finding of this detector, or null
// @param agency_id string = null          only suppliers that won an item of this agency, or null
// @param modality_id int = null           only suppliers that won an item of a tender of this modality, or null
// @param published_from string = null     ISO date-time: won in a tender published at or after, or null
// @param published_to string = null       ISO date-time: won in a tender published before, or null
// @param name_contains string = null      part of the name or document, any case, or null
// @param sort string = "risk_score"       risk_score | founded_on (no date: last) | n_findings | id
// @param descending bool = true           sort direction
// @param skip int = 0                     rows to skip
// @param limit int = 50                   page size
MATCH (s:Supplier)
WHERE coalesce(s.risk_score, 0.0) >= $min_risk AND coalesce(s.risk_score, 0.0) <= $max_risk
  AND ($name_contains IS NULL OR toUpper(s.name) CONTAINS toUpper($name_contains)
       OR s.document CONTAINS $name_contains)
  AND ($detector IS NULL OR EXISTS { MATCH (f:Finding)-[:ABOUT]->(s) WHERE f.detector = $detector })
  AND (($agency_id IS NULL AND $modality_id IS NULL AND $published_from IS NULL AND $published_to IS NULL)
       OR EXISTS {
         MATCH (t:Tender)-[:HAS_ITEM]->(:Item)-[:AWARDED]->(s)
         WHERE ($agency_id IS NULL OR t.agency_id = $agency_id)
           AND ($modality_id IS NULL OR t.modality_id = $modality_id)
           AND ($published_from IS NULL OR t.published_at >= datetime($published_from))
           AND ($published_to IS NULL OR t.published_at < datetime($published_to)) })
WITH s, CASE $sort
    // a Date has no epoch field: days since 1970-01-01 instead (null when the date is unknown)
    WHEN 'founded_on' THEN toFloat(duration.inDays(date('1970-01-01'), s.founded_on).days)
    WHEN 'n_findings' THEN toFloat(coalesce(s.risk_n_findings, 0))
    WHEN 'id' THEN null
    ELSE coalesce(s.risk_score, 0.0) END AS k
// rows without a sort value come last in both directions (Cypher puts nulls first in DESC)
ORDER BY k IS NULL, CASE WHEN $descending THEN k END DESC,
         CASE WHEN NOT $descending THEN k END ASC,
         CASE WHEN $descending AND $sort = 'id' THEN s.id END DESC, s.id
WITH collect(s) AS ranked
RETURN size(ranked) AS total,
       [s IN ranked[$skip..$skip + $limit] | {
         id: s.id, kind: 'supplier', name: s.name, risk_score: s.risk_score,
         n_findings: coalesce(s.risk_n_findings, 0), document: s.document, person_type: s.person_type,
         uf: s.uf, registry_status: s.registry_status, founded_on: s.founded_on
       }] AS items
