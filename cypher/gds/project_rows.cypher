// Project an in-memory graph from rows sent by the client (Cypher aggregation, nothing is written): node ids
// are the client's integers, row i is the relationship $src[i] -> $dst[i] with weight $weight[i], and a
// null $dst[i] makes $src[i] an isolated node. The rows travel as three parallel lists (compact on the wire).
// @param graph_name string               unique name of the projected graph (the caller drops it)
// @param src list<int>                   source node of each row
// @param dst list<int>                   target node of each row, or null
// @param weight list<float>              weight of each row's relationship
// @param undirected bool = false         every relationship in both directions (components, communities)
UNWIND range(0, size($src) - 1) AS i
WITH gds.graph.project(
  $graph_name, $src[i], $dst[i],
  {relationshipProperties: {weight: $weight[i]}},
  {undirectedRelationshipTypes: CASE WHEN $undirected THEN ['*'] ELSE [] END}
) AS g
RETURN g.graphName AS graph_name, g.nodeCount AS node_count, g.relationshipCount AS relationship_count
