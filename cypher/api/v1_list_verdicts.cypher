// verdicts export: every verdict ever given, with its finding, oldest first.
MATCH (f:Finding)-[:HAS_EVENT]->(h:FindingEvent)
WHERE h.verdict IS NOT NULL
RETURN f.id AS finding_id, f.detector AS detector, f.subject_id AS subject_id, h.status AS status,
       h.verdict AS verdict, h.note AS note, h.who AS who, h.at AS at, h.run_id AS run_id,
       coalesce(f.status, 'new') AS current_status
ORDER BY h.at, f.id, h.seq
