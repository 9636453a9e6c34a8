// Overpriced items (sobrepreço): awarded unit prices of an agency against the median other agencies
// pay for the same item class and unit of measure.
// @param agency_id string = null    the agency under review, or null for all agencies
// @param min_ratio float = 2.0      awarded unit price / peers' median at least this
// @param min_peers int = 3          fewest peer awards (other agencies) for a reliable median
// @param limit int = 100            most rows, by excess value
MATCH (t:Tender)-[:HAS_ITEM]->(i:Item)-[aw:AWARDED]->(s:Supplier)
WHERE ($agency_id IS NULL OR t.agency_id = $agency_id)
  AND i.item_class IS NOT NULL AND aw.unit_value > 0
CALL {
  WITH i, t
  MATCH (pt:Tender)-[:HAS_ITEM]->(p:Item {item_class: i.item_class})-[pa:AWARDED]->(:Supplier)
  WHERE p.unit = i.unit AND pt.agency_id <> t.agency_id AND pa.unit_value > 0
  RETURN percentileCont(pa.unit_value, 0.5) AS peer_median, count(pa) AS n_peers
}
WITH t, i, aw, s, peer_median, n_peers
WHERE n_peers >= $min_peers AND aw.unit_value >= $min_ratio * peer_median
RETURN i.id AS item_id, t.id AS tender_id, t.agency_id AS agency_id, i.description AS description,
       i.item_class AS item_class, i.unit AS unit, s.id AS supplier_id, s.name AS supplier_name,
       aw.unit_value AS unit_value, aw.quantity AS quantity, peer_median, n_peers,
       aw.unit_value / peer_median AS ratio,
       (aw.unit_value - peer_median) * coalesce(aw.quantity, 0.0) AS excess_value
ORDER BY excess_value DESC, item_id
LIMIT $limit
