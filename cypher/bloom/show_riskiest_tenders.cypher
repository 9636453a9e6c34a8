// Bloom: the tenders with the highest risk score, with their agency and findings.
// @phrase Licitações de maior risco
MATCH (t:Tender)
WHERE t.risk_score IS NOT NULL
WITH t ORDER BY t.risk_score DESC LIMIT 25
MATCH p = (:Agency)-[:PUBLISHED]->(t)
OPTIONAL MATCH f = (:Finding)-[:ABOUT]->(t)
RETURN p, f
