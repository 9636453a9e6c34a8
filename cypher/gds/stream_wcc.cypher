// Weakly connected components of a projected graph (direction ignored), one row per node.
// @param graph_name string               the projected graph
// @param concurrency int = 1             threads (the open edition allows at most 4)
CALL gds.wcc.stream($graph_name, {concurrency: $concurrency})
YIELD nodeId, componentId
RETURN nodeId AS node, componentId AS label
