"""The editorial desk: what editors do to stored copy (kills and their undoing, for now) and
the audit log of it. Above stories and search: a kill withdraws articles (stories) and drops
their index rows (search) in one action."""
