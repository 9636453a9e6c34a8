// Weakly connected components of a projected graph (direction ignored),
// as one row of columns (lists): far fewer records for the driver to decode than one per node.
// @param graph_name string               the projected graph
// @param concurrency int = 1             threads (the open edition allows at most 4)
CALL gds.wcc.stream($graph_name, {concurrency: $concurrency})
YIELD nodeId, componentId
RETURN collect(nodeId) AS node, collect(componentId) AS label
