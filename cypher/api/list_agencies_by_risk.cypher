// Agencies by risk, highest first, with filters and pagination: one row {total, items}.
// @param min_score float = 0.0      lowest risk_score kept (no score counts as 0)
// @param uf string = null           state (UF), or null
// @param sphere string = null       esfera: F, E, M, D, or null
// @param skip int = 0               rows to skip
// @param limit int = 50             page size
MATCH (a:Agency)
WHERE coalesce(a.risk_score, 0.0) >= $min_score
  AND ($uf IS NULL OR a.uf = $uf)
  AND ($sphere IS NULL OR a.sphere = $sphere)
WITH a ORDER BY coalesce(a.risk_score, 0.0) DESC, a.id
WITH collect(a) AS ranked
RETURN size(ranked) AS total,
       [a IN ranked[$skip..$skip + $limit] | {
         id: a.id, kind: 'agency', name: a.name, risk_score: a.risk_score,
         n_findings: coalesce(a.risk_n_findings, 0), cnpj: a.cnpj, uf: a.uf, sphere: a.sphere
       }] AS items
