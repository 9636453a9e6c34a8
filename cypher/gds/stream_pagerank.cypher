// Weighted PageRank of a projected graph,
// as one row of columns (lists): far fewer records for the driver to decode than one per node. GDS scores are not normalised and drop the
// mass of dangling nodes; the engine divides them by their sum (detectors/graph_common.normalise_scores).
// @param graph_name string               the projected graph
// @param damping float = 0.85            damping factor
// @param max_iterations int = 1000       most iterations
// @param tolerance float = 1e-10         stop when no score changes by more than this
// @param concurrency int = 1             threads (the open edition allows at most 4)
CALL gds.pageRank.stream($graph_name, {
  dampingFactor: $damping, maxIterations: $max_iterations, tolerance: $tolerance,
  relationshipWeightProperty: 'weight', concurrency: $concurrency
})
YIELD nodeId, score
RETURN collect(nodeId) AS node, collect(score) AS score
