// Bloom: an agency's dispensas in one year, with the buying unit, the items and who was paid.
// @phrase Dispensas do órgão $orgao no ano $ano
// @param orgao string               name, CNPJ or id of the agency
// @param ano int                    year (anoCompra)
// @suggest orgao Agency.name
MATCH (ag:Agency)
WHERE ag.name = $orgao OR ag.cnpj = $orgao OR ag.id = $orgao
MATCH p = (ag)-[:PUBLISHED]->(t:Tender)-[:MANAGED_BY]->(:Unit)
WHERE t.modality_id = 8 AND t.year = toInteger($ano)
OPTIONAL MATCH q = (t)-[:HAS_ITEM]->(:Item)-[:AWARDED]->(:Supplier)
RETURN p, q
LIMIT 1000
