// Drop a projected graph from the catalog; no error when it is already gone.
// @param graph_name string               the projected graph
CALL gds.graph.drop($graph_name, false)
YIELD graphName
RETURN graphName AS graph_name
