// Bloom: the findings about a tender, supplier, agency or item, and every node their evidence involves
// (superseded findings left out: docs/verdicts.md).
// @phrase Achados sobre $sujeito
// @description Achados sobre uma licitação, fornecedor, órgão ou item e todos os nós da evidência
// @param sujeito string             id of the tender, supplier, agency or item (or a supplier's name)
// @suggest sujeito Supplier.name
MATCH (f:Finding)-[:ABOUT]->(n)
WHERE (f.subject_id = $sujeito OR n.name = $sujeito) AND coalesce(f.status, 'new') <> 'superseded'
MATCH p = (f)-[:ABOUT]->(n)
OPTIONAL MATCH q = (f)-[:INVOLVES]->()
RETURN p, q
LIMIT 500
