// Louvain communities of an undirected weighted projected graph, as columns (one row of lists: far fewer records to decode than one per node) (the final level).
// Deterministic with concurrency 1.
// @param graph_name string               the projected graph
// @param max_levels int = 10             most aggregation levels
// @param max_iterations int = 10         most iterations per level
// @param tolerance float = 1e-7          least modularity gain that continues a level
// @param concurrency int = 1             threads (the open edition allows at most 4)
CALL gds.louvain.stream($graph_name, {
  relationshipWeightProperty: 'weight', maxLevels: $max_levels, maxIterations: $max_iterations,
  tolerance: $tolerance, concurrency: $concurrency
})
YIELD nodeId, communityId
RETURN collect(nodeId) AS node, collect(communityId) AS label
