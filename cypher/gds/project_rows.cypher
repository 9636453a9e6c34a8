// Project an in-memory graph from rows sent by the client (Cypher aggregation, nothing is written): node ids
// are the client's integers, row i is the relationship src[i] -> dst[i] with weight weight[i], and an empty
// dst[i] makes src[i] an isolated node. Each column travels as one comma-separated string: the driver and
// the server pack and unpack one string far faster than a list of as many numbers.
// @param graph_name string               unique name of the projected graph (the caller drops it)
// @param src string                      source node of each row, comma-separated integers
// @param dst string                      target node of each row, comma-separated integers (empty: none)
// @param weight string = ""              weight of each row's relationship, comma-separated (empty: all 1.0)
// @param undirected bool = false         every relationship in both directions (components, communities)
WITH split($src, ',') AS src, split($dst, ',') AS dst, split($weight, ',') AS weight
UNWIND range(0, size(src) - 1) AS i
WITH gds.graph.project(
  $graph_name, toInteger(src[i]), toInteger(dst[i]),
  {relationshipProperties: {weight: coalesce(toFloat(weight[i]), 1.0)}},
  {undirectedRelationshipTypes: CASE WHEN $undirected THEN ['*'] ELSE [] END}
) AS g
RETURN g.graphName AS graph_name, g.nodeCount AS node_count, g.relationshipCount AS relationship_count
