-- Outbox claims (issue 14, item 5): a sender leases the messages it is about to send, so
-- no other sender (a second notifier, `ops notify-pending`, a new leader) sends them too.
-- A lease that ran out (its sender died) is taken over (bot/store/outbox.py).
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;      -- the sender holding the message
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;   -- when its lease runs out (UTC, ISO)
