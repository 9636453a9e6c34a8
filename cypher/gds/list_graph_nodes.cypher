// The nodes of a graph projected from the stored graph, with their ids (the engine's answers use them) and
// out-degrees (node similarity compares the nodes that have out-neighbours).
// @param graph_name string               the projected graph
CALL gds.degree.stream($graph_name)
YIELD nodeId, score
RETURN nodeId AS node, gds.util.asNode(nodeId).id AS id, toInteger(score) AS out_degree
