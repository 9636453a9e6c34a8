// Tenders by risk, highest first, with filters and pagination: one row {total, items}.
// @param min_score float = 0.0      lowest risk_score kept (tenders without a score count as 0)
// @param agency_id string = null    one agency, or null
// @param year int = null            one year (anoCompra), or null
// @param modality_id int = null     one PNCP modalidadeId, or null
// @param skip int = 0               rows to skip
// @param limit int = 50             page size
MATCH (t:Tender)
WHERE coalesce(t.risk_score, 0.0) >= $min_score
  AND ($agency_id IS NULL OR t.agency_id = $agency_id)
  AND ($year IS NULL OR t.year = $year)
  AND ($modality_id IS NULL OR t.modality_id = $modality_id)
WITH t ORDER BY coalesce(t.risk_score, 0.0) DESC, t.id
WITH collect(t) AS ranked
RETURN size(ranked) AS total,
       [t IN ranked[$skip..$skip + $limit] | {
         id: t.id, kind: 'tender', name: t.object, risk_score: t.risk_score,
         n_findings: coalesce(t.risk_n_findings, 0), agency_id: t.agency_id, unit_id: t.unit_id,
         year: t.year, modality_id: t.modality_id, modality: t.modality,
         estimated_value: t.estimated_value, awarded_value: t.awarded_value, published_at: t.published_at
       }] AS items
