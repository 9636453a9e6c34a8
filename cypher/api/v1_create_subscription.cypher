// v1 API: a new alert subscription owned by one API key.
// @writes
// @param id string                        subscription id (uuid)
// @param owner string                     id of the API key that owns it
// @param email string                     recipient address
// @param agency_ids list = []             agencies to watch (empty: any)
// @param detectors list = []              detector codes (empty: any)
// @param supplier_ids list = []           supplier watch list (empty: any)
// @param min_risk float = 0.5             lowest finding score that alerts
// @param active bool = true               paused when false
CREATE (s:Subscription {id: $id, owner: $owner, email: $email, agency_ids: $agency_ids, detectors: $detectors,
                        supplier_ids: $supplier_ids, min_risk: $min_risk, active: $active,
                        created_at: datetime(), updated_at: datetime()})
RETURN s {.*} AS subscription
