-- Outbox delivery: the notifier takes the oldest pending message of each chat.
CREATE INDEX outbox_pending_chat ON outbox(chat_id, id) WHERE status = 'pending';
