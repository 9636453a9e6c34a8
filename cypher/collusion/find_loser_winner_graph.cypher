// The loser -> winner graph: for each pair, how many items the loser bid on and the winner won,
// in one agency's tenders and/or one item class. Cover bidders point to the firms they cover for.
// @param agency_id string = null    restrict to one agency, or null
// @param item_class string = null   restrict to one item class (Item.item_class), or null
// @param min_times int = 1          keep pairs seen at least this often
// @param limit int = 500            most edges returned
MATCH (t:Tender)-[:HAS_ITEM]->(i:Item)
WHERE ($agency_id IS NULL OR t.agency_id = $agency_id)
  AND ($item_class IS NULL OR i.item_class = $item_class)
MATCH (l:Supplier)-[lb:BID]->(i)<-[wb:BID]-(w:Supplier)
WHERE wb.won = true AND coalesce(lb.won, false) = false AND l <> w
WITH l, w, count(DISTINCT i) AS times, collect(DISTINCT t.id) AS tenders
WHERE times >= $min_times
RETURN l.id AS loser_id, l.name AS loser_name, w.id AS winner_id, w.name AS winner_name, times,
       tenders[..20] AS tenders
ORDER BY times DESC, loser_id, winner_id
LIMIT $limit
