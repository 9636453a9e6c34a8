// v1 API: alert deliveries (the sent-alerts history), newest first, paginated. One row {total, items}.
// @param recipient string = null          one recipient address, or null
// @param status string = null             pending | sent, or null
// @param finding_id string = null         one finding, or null
// @param run_id string = null             one pipeline/scoring run, or null
// @param skip int = 0                     rows to skip
// @param limit int = 50                   page size
MATCH (d:AlertDelivery)
WHERE ($recipient IS NULL OR d.recipient = $recipient)
  AND ($status IS NULL OR d.status = $status)
  AND ($finding_id IS NULL OR d.finding_id = $finding_id)
  AND ($run_id IS NULL OR d.run_id = $run_id)
WITH d ORDER BY coalesce(d.sent_at, d.created_at) DESC, d.key
WITH collect(d) AS ranked
RETURN size(ranked) AS total,
       [d IN ranked[$skip..$skip + $limit] | d {.key, .finding_id, .recipient, .status, .score, .version, .run_id,
          .subscription_ids, .message_id, .created_at, .sent_at, .attempts}] AS items
