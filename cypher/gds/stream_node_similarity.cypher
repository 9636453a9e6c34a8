// Jaccard similarity of the nodes with outgoing relationships over their sets of out-neighbours
// (unweighted), for the pairs above the cutoff; each pair once (GDS streams both orders, the smaller node
// id first is kept), as one row of columns (lists): far fewer records for the driver to decode.
// @param graph_name string               the projected graph
// @param cutoff float = 1e-42            least similarity returned
// @param top_k int = 10                  most neighbours per node (the engine passes the node count: all pairs)
// @param concurrency int = 1             threads (the open edition allows at most 4)
CALL gds.nodeSimilarity.stream($graph_name, {
  similarityMetric: 'JACCARD', similarityCutoff: $cutoff, topK: $top_k, degreeCutoff: 1,
  concurrency: $concurrency
})
YIELD node1, node2, similarity
WITH node1, node2, similarity
WHERE node1 < node2
RETURN collect(node1) AS node1, collect(node2) AS node2, collect(similarity) AS similarity
