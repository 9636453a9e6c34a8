// Console: one finding's case page: the finding, its subject, the source records it rests on (the tenders it
// names, those of the items it names, else where the firms it names bid; the sanctions it names) and the
// alerts sent about it, newest first (the finding's history). No row when the finding is unknown.
// @param id string                  the finding id (`finding:<hex>`)
// @param max_sources int = 30       most source tenders
// @param max_alerts int = 20        most alert versions (one row per version: recipients, sent, when)
MATCH (f:Finding {id: $id})
OPTIONAL MATCH (f)-[:ABOUT]->(subj)
OPTIONAL MATCH (f)-[:INVOLVES]->(x)
WITH f, subj, collect(DISTINCT x) AS inv
WITH f, subj, [n IN [subj] + inv WHERE n IS NOT NULL] AS named
WITH f, subj, named,
     [n IN named WHERE n:Tender]
       + reduce(acc = [], i IN [n IN named WHERE n:Item] | acc + [(t:Tender)-[:HAS_ITEM]->(i) | t]) AS direct
CALL {
  WITH named, direct
  WITH named, direct WHERE size(direct) = 0
  UNWIND [n IN named WHERE n:Supplier] AS s
  MATCH (s)-[b:BID]->(:Item)<-[:HAS_ITEM]-(t:Tender)
  WITH t, count(DISTINCT s) AS firms, max(CASE WHEN b.won THEN 1 ELSE 0 END) AS won
  ORDER BY firms DESC, won DESC, t.published_at DESC, t.id
  LIMIT $max_sources
  RETURN collect(t) AS bid_in
}
WITH f, subj, named, reduce(acc = [], t IN direct + bid_in | CASE WHEN t IN acc THEN acc ELSE acc + t END) AS ts
CALL {
  WITH f
  MATCH (d:AlertDelivery {finding_id: f.id})
  WITH d.version AS version, d.score AS score, count(d) AS recipients,
       sum(CASE WHEN d.status = 'sent' THEN 1 ELSE 0 END) AS sent,
       min(coalesce(d.sent_at, d.created_at)) AS first_at, max(coalesce(d.sent_at, d.created_at)) AS last_at
  ORDER BY last_at DESC, version DESC
  LIMIT $max_alerts
  RETURN collect({version: version, score: score, recipients: recipients, sent: sent, first_at: first_at,
                  last_at: last_at}) AS alerts
}
RETURN f {.id, .detector, .detector_version, .subject_kind, .subject_id, .score, .title, .summary, .measures_json,
          .details_json, .node_ids, .run_id, .tables_version, .created_at, .loaded_at} AS finding,
       CASE WHEN subj IS NULL THEN null ELSE subj {.id, .name, .object, .description, .document, .cnpj,
            .person_type, .uf, .municipality, label: labels(subj)[0]} END AS subject,
       [t IN ts[..$max_sources] | t {.id, .control_number, .process_number, .object, .modality, .year,
            .published_at, .estimated_value, .awarded_value,
            agency: [(g:Agency)-[:PUBLISHED]->(t) | g.name][0]}] AS sources,
       [n IN named WHERE n:Sanction | n {.id, .registry, .category, .start_date, .end_date, .authority,
            .subject_name, .subject_document}] AS sanctions,
       alerts
