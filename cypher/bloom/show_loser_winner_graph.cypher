// Bloom: who loses to whom in an agency's tenders, as virtual PERDEU_PARA relationships weighted by
// the number of items (`vezes`).
// @phrase Perdedores e vencedores no órgão $orgao
// @description Quem perde para quem nas licitações do órgão: ligações PERDEU_PARA com o número de itens (vezes)
// @param orgao string               name, CNPJ or id of the agency
// @suggest orgao Agency.name
MATCH (ag:Agency)
WHERE ag.name = $orgao OR ag.cnpj = $orgao OR ag.id = $orgao
MATCH (ag)-[:PUBLISHED]->(:Tender)-[:HAS_ITEM]->(i:Item)
MATCH (l:Supplier)-[lb:BID]->(i)<-[wb:BID]-(w:Supplier)
WHERE wb.won = true AND coalesce(lb.won, false) = false AND l <> w
WITH l, w, count(DISTINCT i) AS vezes
ORDER BY vezes DESC
LIMIT 300
RETURN l, w, apoc.create.vRelationship(l, 'PERDEU_PARA', {vezes: vezes}, w) AS perdeu_para
