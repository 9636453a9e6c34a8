// Bloom: the suppliers with the highest risk score, with their findings.
// @phrase Fornecedores de maior risco
// @description Os 25 fornecedores de maior risco e seus achados
MATCH (s:Supplier)
WHERE s.risk_score IS NOT NULL
WITH s ORDER BY s.risk_score DESC LIMIT 25
OPTIONAL MATCH f = (:Finding)-[:ABOUT]->(s)
RETURN s, f
