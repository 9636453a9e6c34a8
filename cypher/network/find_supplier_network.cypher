// A supplier's network to depth N, as nodes and edges: its partners (people and partner companies),
// the companies it owns a share of, branches, shared addresses, phones and e-mails, and co-bidders
// (other suppliers bidding on the same items; the item sits between them, so co-bidding takes 2 hops).
// @param supplier_id string         id of the supplier (`supplier:<cnpj>`)
// @param depth int = 2              hops to follow from the supplier
// @param limit int = 300            most paths expanded (caps big networks)
MATCH (s:Supplier {id: $supplier_id})
CALL apoc.path.subgraphAll(s, {
  maxLevel: $depth,
  limit: $limit,
  relationshipFilter: 'PARTNER_OF|LOCATED_AT|HAS_PHONE|HAS_EMAIL|BRANCH_OF|BID|SANCTIONED'
}) YIELD nodes, relationships
RETURN
  [n IN nodes | {
    id: n.id, label: labels(n)[0],
    caption: coalesce(n.name, n.object, n.description, n.email, n.street, n.number, n.id),
    risk_score: n.risk_score
  }] AS nodes,
  [r IN relationships | {src: startNode(r).id, dst: endNode(r).id, type: type(r)}] AS edges
