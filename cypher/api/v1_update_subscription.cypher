// v1 API: replace the editable fields of one subscription; no row when unknown or not the owner's.
// @writes
// @param id string                        subscription id
// @param owner string = null              owner key id, or null for admins
// @param email string                     recipient address
// @param agency_ids list = []             agencies to watch (empty: any)
// @param detectors list = []              detector codes (empty: any)
// @param supplier_ids list = []           supplier watch list (empty: any)
// @param min_risk float = 0.5             lowest finding score that alerts
// @param active bool = true               paused when false
MATCH (s:Subscription {id: $id})
WHERE $owner IS NULL OR s.owner = $owner
SET s.email = $email, s.agency_ids = $agency_ids, s.detectors = $detectors, s.supplier_ids = $supplier_ids,
    s.min_risk = $min_risk, s.active = $active, s.updated_at = datetime()
RETURN s {.*} AS subscription
