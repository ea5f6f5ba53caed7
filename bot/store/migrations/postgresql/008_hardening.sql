-- Issue 10 (hardening). PostgreSQL twin of sqlite/008_hardening.sql.
-- Lookup limits in the database, so they hold across processes (bot/store/limits.py):
-- one row per (kind, subject) while its bucket is not full; `tat` is the GCRA theoretical
-- arrival time in milliseconds since the epoch.
CREATE TABLE lookup_limits (
    kind     TEXT COLLATE "C" NOT NULL,
    subject  BIGINT NOT NULL,
    tat      BIGINT NOT NULL,
    PRIMARY KEY (kind, subject)
);
CREATE INDEX lookup_limits_tat ON lookup_limits(tat);

-- Every change of a request bumps its version; operator buttons carry the version they
-- were shown for, and an action on an older one is refused (bot/services/workflow.py).
ALTER TABLE requests ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Proofs of ownership belong to a user, made in their private chat. Links and verified
-- phones of group chats (negative chat ids on Telegram and Bale), made before the bot
-- stopped answering in groups, covered every member: they are void.
DELETE FROM links WHERE chat_id < 0;
UPDATE chats SET phone = NULL, phone_verified_at = NULL WHERE chat_id < 0;
