// Bloom: a supplier's network (partners, companies, branches, contacts, bids and co-bidders).
// @phrase Rede do fornecedor $fornecedor até $niveis níveis
// @description Rede do fornecedor: sócios, empresas, filiais, endereços, telefones, e-mails, sanções, lances e concorrentes
// @param fornecedor string          name, CNPJ or id of the supplier
// @param niveis int                 hops (2 reaches co-bidders and partners' other companies)
// @suggest fornecedor Supplier.name
// @options niveis UNWIND [1, 2, 3] AS niveis RETURN niveis
MATCH (s:Supplier)
WHERE s.name = $fornecedor OR s.document = $fornecedor OR s.id = $fornecedor
WITH s LIMIT 1
CALL apoc.path.subgraphAll(s, {
  maxLevel: toInteger($niveis), limit: 500,
  relationshipFilter: 'PARTNER_OF|LOCATED_AT|HAS_PHONE|HAS_EMAIL|BRANCH_OF|BID|SANCTIONED'
}) YIELD nodes, relationships
RETURN nodes, relationships
