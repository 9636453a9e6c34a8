// Suppliers by risk, highest first, with filters and pagination: one row {total, items}.
// @param min_score float = 0.0      lowest risk_score kept (no score counts as 0)
// @param uf string = null           state (UF) of the supplier, or null
// @param registry_status string = null   ATIVA, SUSPENSA, INAPTA, BAIXADA, NULA, or null
// @param name_contains string = null     part of the name or CNPJ, any case, or null
// @param skip int = 0               rows to skip
// @param limit int = 50             page size
MATCH (s:Supplier)
WHERE coalesce(s.risk_score, 0.0) >= $min_score
  AND ($uf IS NULL OR s.uf = $uf)
  AND ($registry_status IS NULL OR s.registry_status = $registry_status)
  AND ($name_contains IS NULL OR toUpper(s.name) CONTAINS toUpper($name_contains)
       OR s.document CONTAINS $name_contains)
WITH s ORDER BY coalesce(s.risk_score, 0.0) DESC, s.id
WITH collect(s) AS ranked
RETURN size(ranked) AS total,
       [s IN ranked[$skip..$skip + $limit] | {
         id: s.id, kind: 'supplier', name: s.name, risk_score: s.risk_score,
         n_findings: coalesce(s.risk_n_findings, 0), document: s.document, uf: s.uf,
         registry_status: s.registry_status, founded_on: s.founded_on
       }] AS items
