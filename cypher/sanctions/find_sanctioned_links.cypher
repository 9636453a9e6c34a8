// Everything linked to a sanctioned supplier (CEIS/CNEP): its awards (flagged when awarded during
// the sanction), its partners, the other companies of those partners, companies it owns a share
// of, branches, and suppliers sharing an address, phone or e-mail with it.
// @param supplier_id string = null  one sanctioned supplier, or null for all
// @param limit int = 500            most rows returned
MATCH (s:Supplier)-[:SANCTIONED]->(x:Sanction)
WHERE $supplier_id IS NULL OR s.id = $supplier_id
CALL {
  WITH s, x
  MATCH (t:Tender)-[:HAS_ITEM]->(i:Item)-[aw:AWARDED]->(s)
  RETURN 'award' AS link, i.id AS node_id, 'Item' AS node_label, t.id AS via_id, aw.awarded_on AS on_date,
         (aw.awarded_on >= x.start_date AND (x.end_date IS NULL OR aw.awarded_on <= x.end_date)) AS during_sanction
  UNION
  WITH s, x
  MATCH (p)-[:PARTNER_OF]->(s)
  RETURN 'partner' AS link, p.id AS node_id, labels(p)[0] AS node_label, null AS via_id, null AS on_date,
         null AS during_sanction
  UNION
  WITH s, x
  MATCH (p)-[:PARTNER_OF]->(s)
  MATCH (p)-[:PARTNER_OF]->(o:Supplier)
  WHERE o <> s
  RETURN 'partner_company' AS link, o.id AS node_id, 'Supplier' AS node_label, p.id AS via_id,
         null AS on_date, null AS during_sanction
  UNION
  WITH s, x
  MATCH (s)-[:PARTNER_OF]->(o:Supplier)
  RETURN 'owns' AS link, o.id AS node_id, 'Supplier' AS node_label, null AS via_id, null AS on_date,
         null AS during_sanction
  UNION
  WITH s, x
  MATCH (s)-[:BRANCH_OF]-(o:Supplier)
  RETURN 'branch' AS link, o.id AS node_id, 'Supplier' AS node_label, null AS via_id, null AS on_date,
         null AS during_sanction
  UNION
  WITH s, x
  MATCH (s)-[:LOCATED_AT|HAS_PHONE|HAS_EMAIL]->(c)<-[:LOCATED_AT|HAS_PHONE|HAS_EMAIL]-(o:Supplier)
  WHERE o <> s
  RETURN 'shared_contact' AS link, o.id AS node_id, 'Supplier' AS node_label, c.id AS via_id,
         null AS on_date, null AS during_sanction
}
RETURN s.id AS supplier_id, s.name AS supplier_name, x.id AS sanction_id, x.registry AS registry,
       x.start_date AS sanction_start, x.end_date AS sanction_end, link, node_id, node_label, via_id,
       on_date, during_sanction
ORDER BY coalesce(during_sanction, false) DESC, supplier_id, link, node_id
LIMIT $limit
