// Project the shared-links graph straight from the stored graph: suppliers linked when they share a partner
// (person or company), an address, a phone or an e-mail, undirected, weight = number of shared links.
// @param graph_name string               unique name of the projected graph (the caller drops it)
// @param min_shared int = 1              fewest shared links for a link
MATCH (a:Supplier)
CALL {
  WITH a
  MATCH (a)<-[:PARTNER_OF]-(x)
  RETURN x
  UNION
  WITH a
  MATCH (a)-[:LOCATED_AT|HAS_PHONE|HAS_EMAIL]->(x)
  RETURN x
}
WITH x, collect(DISTINCT a) AS sharing
WHERE size(sharing) > 1
UNWIND sharing AS a
UNWIND sharing AS b
WITH a, b
WHERE a.id < b.id
WITH a, b, count(*) AS shared
WHERE shared >= $min_shared
WITH gds.graph.project(
  $graph_name, a, b,
  {relationshipProperties: {weight: toFloat(shared)}},
  {undirectedRelationshipTypes: ['*']}
) AS g
RETURN g.graphName AS graph_name, g.nodeCount AS node_count, g.relationshipCount AS relationship_count
