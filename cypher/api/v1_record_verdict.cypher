// v1 API: record an investigator's verdict on a finding. The finding takes the verdict's status (a superseded
// one stays superseded and comes back with it), remembers the score and detector version for the alert rule,
// and one FindingEvent keeps who, when, the note and the run. Pending alert deliveries of a confirmed or
// dismissed finding are withdrawn (the auditors know it). No row when the finding is unknown.
// @writes
// @param id string                        the finding id
// @param verdict string                   confirmed | dismissed | needs_info
// @param status string                    the status the verdict sets (confirmed | dismissed | under_review)
// @param note string = ""                 the investigator's note (CPFs already masked)
// @param who string                       who gave the verdict (an API key's name and id, or the CLI's --who)
// @param who_id string = null             the API key id, or null
MATCH (f:Finding {id: $id})
SET f.event_seq = coalesce(f.event_seq, 0) + 1,
    f.status = CASE WHEN f.status = 'superseded' THEN 'superseded' ELSE $status END,
    f.reviewed_status = $status, f.verdict = $verdict, f.verdict_at = datetime(), f.verdict_score = f.score,
    f.verdict_detector_version = f.detector_version, f.status_changed_at = datetime()
CREATE (f)-[:HAS_EVENT]->(:FindingEvent {id: f.id + '#' + toString(f.event_seq), finding_id: f.id,
        seq: f.event_seq, status: f.status, verdict: $verdict, note: $note, who: $who, who_id: $who_id,
        at: datetime(), run_id: f.run_id, score: f.score})
WITH f
CALL {
  WITH f
  OPTIONAL MATCH (d:AlertDelivery {finding_id: f.id})
  WHERE d.status = 'pending' AND $status IN ['confirmed', 'dismissed']
  SET d.status = 'withdrawn', d.updated_at = datetime()
  RETURN count(d) AS withdrawn
}
MATCH (f)-[:HAS_EVENT]->(h:FindingEvent)
WITH f, h ORDER BY h.seq
RETURN f.id AS finding_id, f.status AS status,
       collect(h {.status, .verdict, .note, .who, .at, .run_id}) AS history
