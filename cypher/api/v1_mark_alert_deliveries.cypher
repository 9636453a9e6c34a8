// alerts: close pending deliveries after the SMTP server accepted the message (`sent`), when their
// finding is gone (`obsolete`), or when the digest leaves their finding out (`withheld`: a GNN finding
// without an explanation in words). Only pending ones change; returns how many did.
// @writes
// @param keys list                        delivery keys
// @param status string                    sent | obsolete | withheld
// @param message_id string = null         the Message-ID of the email that carried them
UNWIND $keys AS k
MATCH (d:AlertDelivery {key: k})
WHERE d.status = 'pending'
SET d.status = $status, d.message_id = $message_id, d.sent_at = datetime(), d.attempts = coalesce(d.attempts, 0) + 1
RETURN count(d) AS changed
