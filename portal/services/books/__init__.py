"""記帳 (bookkeeping) services: masters, rules, the inbox of statements not yet booked,
booking and its guard against silent change, transfers, journal exports and reconciliation.
Plain functions taking a Session and the office_id every query is filtered by."""
