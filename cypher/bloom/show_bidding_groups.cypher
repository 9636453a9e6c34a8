// Bloom: groups of suppliers that bid together in at least three tenders of an agency, with their
// bids and who won each item (rotation shows as winners taking turns).
// @phrase Grupos de fornecedores que disputam juntos no órgão $orgao
// @description Grupos de empresas que disputam juntas 3 ou mais licitações do órgão: lances e vencedor de cada item (rodízio)
// @param orgao string               name, CNPJ or id of the agency
// @suggest orgao Agency.name
MATCH (ag:Agency)
WHERE ag.name = $orgao OR ag.cnpj = $orgao OR ag.id = $orgao
MATCH (ag)-[:PUBLISHED]->(t:Tender)-[:HAS_ITEM]->(:Item)<-[:BID]-(s:Supplier)
WITH t, apoc.coll.sort(collect(DISTINCT s.id)) AS grp
WHERE size(grp) >= 2
WITH grp, collect(t) AS tenders
WHERE size(tenders) >= 3
UNWIND tenders AS t
MATCH p = (t)-[:HAS_ITEM]->(i:Item)<-[:BID]-(:Supplier)
OPTIONAL MATCH w = (i)-[:AWARDED]->(:Supplier)
RETURN p, w
LIMIT 1000
