// alerts: every pending delivery of one recipient, with its finding and subject, strongest first.
// @param recipient string                 recipient address
// @param limit int = 50                   most findings in one email
MATCH (d:AlertDelivery {recipient: $recipient})
WHERE d.status = 'pending'
OPTIONAL MATCH (f:Finding {id: d.finding_id})
OPTIONAL MATCH (f)-[:ABOUT]->(n)
WITH d, f, n ORDER BY coalesce(f.score, 0.0) DESC, d.key
LIMIT $limit
RETURN d.key AS key, d.finding_id AS finding_id, d.version AS version, d.run_id AS run_id,
       f {.id, .detector, .detector_version, .subject_kind, .subject_id, .score, .title, .summary,
          .measures_json, .details_json, .node_ids, .run_id, .tables_version, .created_at} AS finding,
       coalesce(n.name, n.object, n.description, n.id) AS subject_name,
       CASE WHEN n IS NULL THEN null ELSE labels(n)[0] END AS subject_label
