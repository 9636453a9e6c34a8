// Bloom: every sanctioned supplier with its sanction, awards, partners, partners' other companies,
// branches and shared contacts.
// @phrase Tudo ligado a fornecedores sancionados
// @description Fornecedores sancionados com sanção, itens ganhos, sócios, outras empresas dos sócios, filiais e contatos em comum
MATCH p = (s:Supplier)-[:SANCTIONED]->(:Sanction)
OPTIONAL MATCH a = (:Tender)-[:HAS_ITEM]->(:Item)-[:AWARDED]->(s)
OPTIONAL MATCH o = (s)<-[:PARTNER_OF]-()-[:PARTNER_OF]->(:Supplier)
OPTIONAL MATCH b = (s)-[:BRANCH_OF|PARTNER_OF]-(:Supplier)
OPTIONAL MATCH c = (s)-[:LOCATED_AT|HAS_PHONE|HAS_EMAIL]->()<-[:LOCATED_AT|HAS_PHONE|HAS_EMAIL]-(:Supplier)
RETURN p, a, o, b, c
LIMIT 1000
