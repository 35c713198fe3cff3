"""従来の方法 → API連携方式: the switch, matching API pages against file history, the review
queue, and the day-by-day cross-check. The pure matching rules are in portal.ledger.cutover_match."""
