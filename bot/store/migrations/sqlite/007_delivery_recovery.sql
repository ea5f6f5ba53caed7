-- Delivery and recovery.
-- A group upgraded to a supergroup has a new chat id: messages for the old id go to the
-- new one (the notifier learns it from the Bot API's migrate_to_chat_id, or the bot from
-- the service message in the group).
CREATE TABLE chat_migrations (
    old_chat_id  INTEGER PRIMARY KEY,
    new_chat_id  INTEGER NOT NULL,
    migrated_at  TEXT NOT NULL
);
-- A persistence row that could not be read at start-up is moved here (kept as it was) so
-- the bot starts anyway; `notified_at` is set once the user was told to start over.
CREATE TABLE ptb_quarantine (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,              -- ptb_user_data, ptb_chat_data, ptb_conversations, ...
    row_key      TEXT NOT NULL,              -- JSON: the row's key (user id, chat id, [name, key])
    data         BLOB NOT NULL,
    error        TEXT NOT NULL,
    found_at     TEXT NOT NULL,
    notified_at  TEXT
);
