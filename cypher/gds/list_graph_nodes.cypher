// The nodes of a graph projected from the stored graph, with their ids (the engine's answers use them).
// @param graph_name string               the projected graph
CALL gds.degree.stream($graph_name)
YIELD nodeId
RETURN nodeId AS node, gds.util.asNode(nodeId).id AS id
