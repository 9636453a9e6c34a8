// Project a bipartite graph straight from the stored graph for node similarity: each supplier points at the
// tenders it bid in ($kind 'tenders') or at its partners, addresses, phones and e-mails ($kind 'links').
// @param graph_name string               unique name of the projected graph (the caller drops it)
// @param kind string = "tenders"         tenders | links
MATCH (s:Supplier)
CALL {
  WITH s
  MATCH (s)-[:BID]->(:Item)<-[:HAS_ITEM]-(x:Tender)
  WHERE $kind = 'tenders'
  RETURN DISTINCT x
  UNION
  WITH s
  MATCH (s)<-[:PARTNER_OF]-(x)
  WHERE $kind = 'links'
  RETURN x
  UNION
  WITH s
  MATCH (s)-[:LOCATED_AT|HAS_PHONE|HAS_EMAIL]->(x)
  WHERE $kind = 'links'
  RETURN x
}
WITH gds.graph.project($graph_name, s, x, {relationshipProperties: {weight: 1.0}}) AS g
RETURN g.graphName AS graph_name, g.nodeCount AS node_count, g.relationshipCount AS relationship_count
