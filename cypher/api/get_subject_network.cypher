// The network around one node (any label), as nodes and edges, to depth N, findings excluded; bids
// carry `won`.
// @param id string                  the node's id
// @param depth int = 1              hops
// @param limit int = 200            most paths expanded
CALL {
  MATCH (n:Tender {id: $id}) RETURN n
  UNION ALL MATCH (n:Supplier {id: $id}) RETURN n
  UNION ALL MATCH (n:Agency {id: $id}) RETURN n
  UNION ALL MATCH (n:Item {id: $id}) RETURN n
  UNION ALL MATCH (n:Unit {id: $id}) RETURN n
  UNION ALL MATCH (n:Person {id: $id}) RETURN n
  UNION ALL MATCH (n:Address {id: $id}) RETURN n
  UNION ALL MATCH (n:Phone {id: $id}) RETURN n
  UNION ALL MATCH (n:Email {id: $id}) RETURN n
  UNION ALL MATCH (n:Sanction {id: $id}) RETURN n
}
CALL apoc.path.subgraphAll(n, {maxLevel: $depth, limit: $limit, labelFilter: '-Finding|-LoadCheckpoint'})
YIELD nodes, relationships
RETURN
  [x IN nodes | {
    id: x.id, label: labels(x)[0],
    caption: coalesce(x.name, x.object, x.description, x.email, x.street, x.number, x.id),
    risk_score: x.risk_score
  }] AS nodes,
  [r IN relationships | {src: startNode(r).id, dst: endNode(r).id, type: type(r), won: r.won}] AS edges
