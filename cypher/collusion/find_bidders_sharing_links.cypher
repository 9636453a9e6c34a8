// Bidders in one tender that share a partner (person or company), an address, a phone or an e-mail,
// or are linked directly (one owns the other, or branch and head office): one row per pair and link.
// @param tender_id string = null    one tender's id, or null for every tender
// @param limit int = 200            most rows returned
MATCH (t:Tender)
WHERE $tender_id IS NULL OR t.id = $tender_id
MATCH (t)-[:HAS_ITEM]->(:Item)<-[:BID]-(s:Supplier)
WITH t, collect(DISTINCT s) AS bidders
WHERE size(bidders) > 1
UNWIND bidders AS a
UNWIND bidders AS b
WITH t, a, b
WHERE a.id < b.id
CALL {
  WITH a, b
  MATCH (a)<-[:PARTNER_OF]-(x)-[:PARTNER_OF]->(b)
  RETURN 'partner' AS link, x
  UNION
  WITH a, b
  MATCH (a)-[:LOCATED_AT]->(x:Address)<-[:LOCATED_AT]-(b)
  RETURN 'address' AS link, x
  UNION
  WITH a, b
  MATCH (a)-[:HAS_PHONE]->(x:Phone)<-[:HAS_PHONE]-(b)
  RETURN 'phone' AS link, x
  UNION
  WITH a, b
  MATCH (a)-[:HAS_EMAIL]->(x:Email)<-[:HAS_EMAIL]-(b)
  RETURN 'email' AS link, x
  UNION
  WITH a, b
  MATCH (a)-[:PARTNER_OF|BRANCH_OF]-(b)
  RETURN 'direct' AS link, null AS x
}
RETURN t.id AS tender_id, a.id AS supplier_a, a.name AS name_a, b.id AS supplier_b, b.name AS name_b,
       link, x.id AS link_id, labels(x)[0] AS link_label
ORDER BY tender_id, supplier_a, supplier_b, link, link_id
LIMIT $limit
