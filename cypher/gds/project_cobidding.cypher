// Project the co-bidding graph straight from the stored graph: suppliers linked when they bid in the same
// tender (an item of it), undirected, weight = number of tenders they share.
// @param graph_name string               unique name of the projected graph (the caller drops it)
// @param min_shared int = 1              fewest shared tenders for a link
MATCH (t:Tender)-[:HAS_ITEM]->(:Item)<-[:BID]-(s:Supplier)
WITH t, collect(DISTINCT s) AS bidders
WHERE size(bidders) > 1
UNWIND bidders AS a
UNWIND bidders AS b
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
