// alerts: record the deliveries one recipient is owed for a run, as `pending` (MERGE on the unique pair
// (finding_id, recipient)); a sent (or verdict-withdrawn) delivery whose finding worsened, and an obsolete
// one whose finding is back in the data, is re-opened with a new version. Sent deliveries otherwise stay as
// they are, so a rerun changes nothing.
// @writes
// @param recipient string                 recipient address
// @param run_id string                    the scoring run that found them
// @param rows list                        [{finding_id, score, subscription_ids}]
// @param worsen_delta float = 0.1         score increase that re-opens a sent delivery
UNWIND $rows AS row
MERGE (d:AlertDelivery {finding_id: row.finding_id, recipient: $recipient})
ON CREATE SET d.key = row.finding_id + '|' + $recipient, d.status = 'pending', d.version = 1,
              d.created_at = datetime(), d.attempts = 0, d.score = row.score
WITH d, row, (d.status IN ['sent', 'withdrawn'] AND row.score >= d.score + $worsen_delta)
             OR d.status = 'obsolete' AS reopen
SET d.version = CASE WHEN reopen THEN d.version + 1 ELSE d.version END,
    d.status = CASE WHEN reopen THEN 'pending' ELSE d.status END
WITH d, row
WHERE d.status = 'pending'
SET d.score = row.score, d.run_id = $run_id, d.subscription_ids = row.subscription_ids, d.updated_at = datetime()
RETURN d.key AS key, d.status AS status, d.version AS version
