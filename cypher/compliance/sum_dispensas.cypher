// An agency's dispensas (modalidade 8) summed per unidade gestora, year and object nature: the sums
// art. 75 §1º compares with the dispensa-by-value limit (fracionamento when the sum passes it while
// each purchase stays below). Values are the awarded value, or the estimate when not awarded.
// @param agency_id string = null    one agency, or null for all
// @param year int = null            one year, or null for all
// @param min_total float = 0.0      keep groups summing at least this (R$)
// @param limit int = 200            most rows, by total
MATCH (t:Tender)
WHERE t.modality_id = 8
  AND ($agency_id IS NULL OR t.agency_id = $agency_id)
  AND ($year IS NULL OR t.year = $year)
WITH t.agency_id AS agency_id, t.unit_id AS unit_id, t.year AS year,
     coalesce(t.object_nature, 'unknown') AS object_nature, t,
     coalesce(t.awarded_value, t.estimated_value, 0.0) AS value
WITH agency_id, unit_id, year, object_nature, count(t) AS n_dispensas, sum(value) AS total_value,
     max(value) AS max_value, collect(t.id) AS tender_ids,
     apoc.coll.toSet(collect(t.legal_basis_code)) AS legal_basis_codes
WHERE total_value >= $min_total
RETURN agency_id, unit_id, year, object_nature, n_dispensas, total_value, max_value, legal_basis_codes,
       tender_ids
ORDER BY total_value DESC, agency_id, unit_id, year, object_nature
LIMIT $limit
