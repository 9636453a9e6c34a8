// alerts: the findings each recipient must hear about, from the active subscriptions: new findings (no
// delivery yet), pending ones (not sent yet) and worsened ones (sent with a score lower by $worsen_delta
// or more). One row per (recipient, finding), strongest first.
// @param worsen_delta float = 0.1         score increase that makes a sent finding worth a new alert
MATCH (s:Subscription)
WHERE coalesce(s.active, true)
MATCH (f:Finding)
WHERE f.score >= s.min_risk
  AND (size(s.detectors) = 0 OR f.detector IN s.detectors)
  AND (size(s.agency_ids) = 0 OR f.subject_id IN s.agency_ids
       OR EXISTS { MATCH (f)-[:ABOUT]->(t:Tender) WHERE t.agency_id IN s.agency_ids }
       OR EXISTS { MATCH (f)-[:INVOLVES]->(a:Agency) WHERE a.id IN s.agency_ids })
  AND (size(s.supplier_ids) = 0 OR f.subject_id IN s.supplier_ids
       OR EXISTS { MATCH (f)-[:INVOLVES]->(x:Supplier) WHERE x.id IN s.supplier_ids })
WITH s.email AS recipient, f, collect(s.id) AS subscription_ids
OPTIONAL MATCH (d:AlertDelivery {finding_id: f.id, recipient: recipient})
WITH recipient, f, subscription_ids, d
WHERE d IS NULL OR d.status = 'pending' OR (d.status = 'sent' AND f.score >= d.score + $worsen_delta)
RETURN recipient, f.id AS finding_id, f.score AS score, subscription_ids
ORDER BY recipient, score DESC, finding_id
