// alerts: the findings each recipient must hear about, from the active subscriptions: new findings (no
// delivery yet), pending ones (not sent yet), obsolete ones (owed once, then gone from the data, now back) and
// worsened ones (sent, or withdrawn by a verdict, with a score lower by $worsen_delta or more). Verdicts
// (docs/verdicts.md): a superseded finding never alerts; a dismissed one only when its score rose by
// $worsen_delta or more over its score at the dismissal; a confirmed one never for the same detector version.
// One row per (recipient, finding), strongest first.
// @param worsen_delta float = 0.1         score increase that makes a sent or dismissed finding worth a new alert
MATCH (s:Subscription)
WHERE coalesce(s.active, true)
MATCH (f:Finding)
WITH s, f, coalesce(f.status, 'new') AS status
WHERE status <> 'superseded'
  AND (status <> 'dismissed' OR f.score >= coalesce(f.verdict_score, 0.0) + $worsen_delta - 1e-9)
  AND (status <> 'confirmed' OR coalesce(f.detector_version, '') <> coalesce(f.verdict_detector_version, ''))
  AND f.score >= s.min_risk
  AND (size(s.detectors) = 0 OR f.detector IN s.detectors)
  AND (size(s.agency_ids) = 0 OR f.subject_id IN s.agency_ids
       OR EXISTS { MATCH (f)-[:ABOUT]->(t:Tender) WHERE t.agency_id IN s.agency_ids }
       OR EXISTS { MATCH (f)-[:INVOLVES]->(a:Agency) WHERE a.id IN s.agency_ids })
  AND (size(s.supplier_ids) = 0 OR f.subject_id IN s.supplier_ids
       OR EXISTS { MATCH (f)-[:INVOLVES]->(x:Supplier) WHERE x.id IN s.supplier_ids })
WITH s.email AS recipient, f, collect(s.id) AS subscription_ids
OPTIONAL MATCH (d:AlertDelivery {finding_id: f.id, recipient: recipient})
WITH recipient, f, subscription_ids, d
WHERE d IS NULL OR d.status IN ['pending', 'obsolete']
   OR (d.status IN ['sent', 'withdrawn'] AND f.score >= d.score + $worsen_delta)
RETURN recipient, f.id AS finding_id, f.score AS score, subscription_ids
ORDER BY recipient, score DESC, finding_id
