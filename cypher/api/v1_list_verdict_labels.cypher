// The investigators' verdicts as labels (graph/verdicts.export_verdicts -> <tables>/verdicts/): one row per
// finding whose last reviewed status is confirmed or dismissed, superseded ones included (a confirmed cartel
// stays confirmed when the data stop showing it).
MATCH (f:Finding)
WHERE f.reviewed_status IN ['confirmed', 'dismissed']
RETURN f.id AS finding_id, f.detector AS detector, f.subject_kind AS subject_kind, f.subject_id AS subject_id,
       f.reviewed_status AS verdict, f.verdict_score AS score_at_verdict, coalesce(f.node_ids, []) AS node_ids,
       f.verdict_at AS at
ORDER BY f.verdict_at, f.id
