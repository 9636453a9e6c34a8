// Bloom: the tenders with the highest risk score, with their agency and findings.
// @phrase Licitações de maior risco
// @description As 25 licitações de maior risco, com órgão e achados
MATCH (t:Tender)
WHERE t.risk_score IS NOT NULL
WITH t ORDER BY t.risk_score DESC LIMIT 25
MATCH p = (:Agency)-[:PUBLISHED]->(t)
OPTIONAL MATCH f = (:Finding)-[:ABOUT]->(t)
RETURN p, f
