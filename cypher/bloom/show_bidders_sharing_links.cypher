// Bloom: bidders of one tender that share partners or contacts, with the shared node and their bids.
// @phrase Licitantes com sócios ou contatos em comum na licitação $licitacao
// @description Pares de licitantes de uma licitação ligados por sócio, endereço, telefone, e-mail, participação societária ou filial, com seus lances
// @param licitacao string           control number (numeroControlePNCP) or id of the tender
// @suggest licitacao Tender.control_number
MATCH (t:Tender)
WHERE t.control_number = $licitacao OR t.id = $licitacao
MATCH (t)-[:HAS_ITEM]->(:Item)<-[:BID]-(s:Supplier)
WITH t, collect(DISTINCT s) AS bidders
UNWIND bidders AS a
UNWIND bidders AS b
WITH t, a, b
WHERE a.id < b.id
MATCH p = (a)-[:PARTNER_OF|LOCATED_AT|HAS_PHONE|HAS_EMAIL|BRANCH_OF*1..2]-(b)
WHERE all(n IN nodes(p)[1..-1] WHERE NOT n:Item)
MATCH qa = (t)-[:HAS_ITEM]->(:Item)<-[:BID]-(a)
MATCH qb = (t)-[:HAS_ITEM]->(:Item)<-[:BID]-(b)
RETURN p, qa, qb
LIMIT 500
