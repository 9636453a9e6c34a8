// Groups of suppliers that bid together often (the same set of bidders in at least $min_tenders
// tenders) and who wins among them over time: the history is in publication order, so a rotation
// (each member winning in turn) reads directly from it.
// @param agency_id string = null    restrict to one agency's tenders, or null for all
// @param min_tenders int = 3        tenders the same group must share
// @param min_size int = 2           smallest group
// @param limit int = 50             most groups returned
MATCH (t:Tender)-[:HAS_ITEM]->(:Item)<-[:BID]-(s:Supplier)
WHERE $agency_id IS NULL OR t.agency_id = $agency_id
WITH t, apoc.coll.sort(collect(DISTINCT s.id)) AS grp
WHERE size(grp) >= $min_size
WITH grp, collect(t) AS tenders
WHERE size(tenders) >= $min_tenders
UNWIND tenders AS t
OPTIONAL MATCH (t)-[:HAS_ITEM]->(:Item)-[:AWARDED]->(w:Supplier)
WITH grp, t, apoc.coll.sort(collect(DISTINCT w.id)) AS winners
ORDER BY t.published_at, t.id
WITH grp, collect({tender_id: t.id, agency_id: t.agency_id, year: t.year, published_at: t.published_at,
                   winners: winners}) AS history
WITH grp, history, apoc.coll.toSet(apoc.coll.flatten([h IN history | h.winners])) AS distinct_winners
RETURN grp AS suppliers, size(grp) AS size, size(history) AS n_tenders,
       [g IN grp | {supplier_id: g, wins: size([h IN history WHERE g IN h.winners])}] AS wins,
       size(distinct_winners) AS n_distinct_winners, history
ORDER BY n_tenders DESC, n_distinct_winners DESC, suppliers
LIMIT $limit
