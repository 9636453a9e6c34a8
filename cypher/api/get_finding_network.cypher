// One finding's own structure, as nodes and edges: its firms, the partners, addresses, phones, e-mails and
// sanctions that link them, and the tenders they met in with each firm's bids (won true/false), never the
// agency's other tenders. Bounded: at most max_firms + max_links + max_others + max_tenders + max_items nodes
// and 3 agencies. Bids on an item the finding names go to that Item; the others are summed per tender, `won`
// when any of them was. Same shape as api/get_subject_network plus the bids' outcome. No row when unknown.
// @param id string                  the finding id (`finding:<hex>`)
// @param max_firms int = 12         most suppliers (the subject first, then the evidence order)
// @param max_links int = 20         most linking nodes (partners, contacts, sanctions, related companies)
// @param max_tenders int = 15       most tenders (those the finding names first, then where 2+ firms met)
// @param max_items int = 6          items drawn on their own when the finding names at most this many
// @param max_others int = 6         other bidders of the tenders the finding names (the winners first)
MATCH (f:Finding {id: $id})
OPTIONAL MATCH (f)-[:ABOUT]->(subj)
OPTIONAL MATCH (f)-[:INVOLVES]->(x)
WITH f, subj, collect(DISTINCT x) AS inv
WITH f, subj, inv, reduce(acc = [], s IN [subj] + inv | CASE WHEN s IS NULL OR s IN acc THEN acc ELSE acc + s END) AS named
WITH f, subj, inv, named,
     reduce(acc = [], s IN named | CASE WHEN s:Supplier AND NOT s IN acc THEN acc + s ELSE acc END)[..$max_firms]
       AS firms,
     [s IN named WHERE s:Item] AS named_items
WITH f, subj, inv, named, firms, CASE WHEN size(named_items) <= $max_items THEN named_items ELSE [] END AS items,
     named_items
// what links the firms: a partner, contact or sanction of 2+ firms, or one the finding names; everything
// around a lone firm; and the firms' links to each other (branch, partner company)
CALL {
  WITH firms, inv
  UNWIND firms AS a
  MATCH (a)-[r:PARTNER_OF|LOCATED_AT|HAS_PHONE|HAS_EMAIL|SANCTIONED|BRANCH_OF]-(c)
  WITH firms, inv, c, collect(DISTINCT a) AS touching, collect(DISTINCT r) AS rels
  WHERE c IN firms OR size(touching) >= 2 OR c IN inv OR c:Sanction OR size(firms) = 1
  WITH c, rels, c IN firms AS firm, size(touching) AS k ORDER BY firm DESC, k DESC, c.id
  WITH collect(c) AS cs, collect(rels) AS rs, collect(firm) AS fs
  RETURN [i IN range(0, size(cs) - 1) WHERE fs[i] OR i < $max_links | cs[i]] AS linked,
         [i IN range(0, size(cs) - 1) WHERE fs[i] OR i < $max_links | rs[i]] AS link_rels
}
// the tenders they met in: those the finding names (directly or through its items), then where 2+ firms bid
CALL {
  WITH named_items
  UNWIND named_items AS i
  MATCH (t:Tender)-[:HAS_ITEM]->(i)
  RETURN collect(DISTINCT t) AS item_tenders
}
CALL {
  WITH firms
  UNWIND firms AS a
  MATCH (a)-[:BID]->(:Item)<-[:HAS_ITEM]-(t:Tender)
  WITH t, count(DISTINCT a) AS n WHERE n >= 2
  WITH t, n ORDER BY n DESC, t.published_at DESC, t.id LIMIT $max_tenders
  RETURN collect(t) AS met
}
WITH f, subj, named, item_tenders, firms, items, linked, link_rels,
     reduce(acc = [], t IN [s IN named WHERE s:Tender] + item_tenders + met |
            CASE WHEN t IN acc THEN acc ELSE acc + t END)[..$max_tenders] AS tenders
// the other bidders of the tenders the finding names: who won where the firms lost
CALL {
  WITH firms, tenders, named, item_tenders
  UNWIND [t IN tenders WHERE t IN named OR t IN item_tenders] AS t
  MATCH (t)-[:HAS_ITEM]->(:Item)<-[b:BID]-(o:Supplier)
  WHERE NOT o IN firms
  WITH o, max(CASE WHEN b.won THEN 1 ELSE 0 END) AS w ORDER BY w DESC, o.id LIMIT $max_others
  RETURN collect(o) AS others
}
CALL {
  WITH firms, others, tenders, items
  UNWIND firms + others AS a
  MATCH (a)-[b:BID]->(i:Item)<-[:HAS_ITEM]-(t:Tender)
  WHERE t IN tenders
  WITH a, CASE WHEN i IN items THEN i ELSE t END AS target, b
  WITH a, target, count(b) AS n, sum(CASE WHEN b.won THEN 1 ELSE 0 END) AS wins, sum(b.value) AS value,
       min(b.rank) AS best_rank, collect(b.unit_value) AS unit_values
  RETURN collect({src: a.id, dst: target.id, type: 'BID', won: wins > 0, value: value, rank: best_rank,
                  bids: n, unit_value: CASE WHEN n = 1 THEN unit_values[0] END}) AS bids
}
CALL {
  WITH tenders
  UNWIND tenders AS t
  MATCH (g:Agency)-[:PUBLISHED]->(t)
  WITH g, collect(t) AS ts ORDER BY size(ts) DESC, g.id LIMIT 3
  RETURN collect(g) AS agencies, collect([t IN ts | {src: g.id, dst: t.id, type: 'PUBLISHED'}]) AS published
}
WITH f, subj, bids, published, link_rels, items, tenders,
     reduce(acc = [], n IN firms + linked + others + tenders + items + agencies
            + CASE WHEN subj:Agency THEN [subj] ELSE [] END |
            CASE WHEN n IN acc THEN acc ELSE acc + n END) AS ns
WITH f, subj, ns, bids, published, link_rels,
     [i IN items | {src: [(t:Tender)-[:HAS_ITEM]->(i) | t.id][0], dst: i.id, type: 'HAS_ITEM'}] AS has_item
WITH f, subj, ns, bids + has_item + reduce(acc = [], p IN published | acc + p)
       + [r IN apoc.coll.toSet(reduce(acc = [], rs IN link_rels | acc + rs)) |
          {src: startNode(r).id, dst: endNode(r).id, type: type(r)}] AS es
WITH f, subj, ns, [n IN ns | n.id] AS ids, es
RETURN f.id AS finding_id, coalesce(subj.id, f.subject_id) AS subject_id, f.title AS title, f.detector AS detector,
  [n IN ns | {
    id: n.id, label: labels(n)[0],
    caption: coalesce(n.name, n.object, n.description, n.email,
                      CASE WHEN n.street IS NOT NULL
                           THEN n.street + coalesce(', ' + n.number, '') + coalesce(' - ' + n.municipality, '') END,
                      n.number, CASE WHEN n:Sanction THEN n.registry + coalesce(': ' + n.category, '') END, n.id),
    risk_score: n.risk_score, person_type: n.person_type, document: coalesce(n.document, n.masked_cpf, n.cnpj),
    process_number: n.process_number, year: n.year, named: n.id IN f.node_ids OR n = subj
  }] AS nodes,
  [e IN es WHERE e.src IN ids AND e.dst IN ids] AS edges
