// One subject (tender, supplier, agency or item) with all its properties and its findings, strongest
// first, each with its status (docs/verdicts.md); superseded findings are left out. No row when the id is
// unknown.
// @param id string                  the subject's id
CALL {
  MATCH (n:Tender {id: $id}) RETURN n
  UNION ALL MATCH (n:Supplier {id: $id}) RETURN n
  UNION ALL MATCH (n:Agency {id: $id}) RETURN n
  UNION ALL MATCH (n:Item {id: $id}) RETURN n
}
CALL {
  WITH n
  OPTIONAL MATCH (f:Finding)-[:ABOUT]->(n)
  WHERE coalesce(f.status, 'new') <> 'superseded'
  WITH f ORDER BY f.score DESC, f.id
  RETURN collect(f {.id, .detector, .detector_version, .subject_kind, .subject_id, .score, .title, .summary,
                    .measures_json, .details_json, .node_ids, .run_id, .tables_version, .created_at,
                    status: coalesce(f.status, 'new')}) AS findings
}
RETURN n.id AS id, labels(n)[0] AS label, properties(n) AS properties, findings
