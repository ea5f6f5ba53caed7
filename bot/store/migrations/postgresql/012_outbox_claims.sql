-- Outbox claims (issue 14, item 5). PostgreSQL twin of sqlite/012_outbox_claims.sql.
-- A sender leases the messages it is about to send, so no other sender (a second
-- notifier, `ops notify-pending`, a new leader) sends them too. A lease that ran out (its
-- sender died) is taken over (bot/store/outbox.py).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT COLLATE "C";     -- the sender holding the message
ALTER TABLE outbox ADD COLUMN claimed_until TEXT COLLATE "C";  -- when its lease runs out (UTC, ISO)
