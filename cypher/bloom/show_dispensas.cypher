// Bloom: an agency's dispensas in one year, with the buying unit, the items and who was paid.
// @phrase Dispensas do órgão $orgao no ano $ano
// @description Dispensas do órgão no ano, com a unidade compradora, os itens e quem recebeu (fracionamento)
// @param orgao string               name, CNPJ or id of the agency
// @param ano int                    year (anoCompra)
// @suggest orgao Agency.name
// @options ano MATCH (t:Tender) WHERE t.modality_id = 8 AND t.year IS NOT NULL RETURN DISTINCT t.year AS ano ORDER BY ano DESC LIMIT 30
MATCH (ag:Agency)
WHERE ag.name = $orgao OR ag.cnpj = $orgao OR ag.id = $orgao
MATCH p = (ag)-[:PUBLISHED]->(t:Tender)-[:MANAGED_BY]->(:Unit)
WHERE t.modality_id = 8 AND t.year = toInteger($ano)
OPTIONAL MATCH q = (t)-[:HAS_ITEM]->(:Item)-[:AWARDED]->(:Supplier)
RETURN p, q
LIMIT 1000
