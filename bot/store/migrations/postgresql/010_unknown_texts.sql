-- PostgreSQL twin of sqlite/010_unknown_texts.sql (types as in 001_core.sql).
-- Texts the bot did not understand, counted so that a clerk can add their words to
-- bot/data/vocabulary.yaml (`python -m bot ops unknown`). Only the text is kept, folded and
-- with every digit masked (no subscription, bill, phone or national numbers), and no chat
-- or user id. Times are ISO text in UTC, passed from Python.
CREATE TABLE unknown_texts (
    text TEXT COLLATE "C" PRIMARY KEY,
    count BIGINT NOT NULL,
    first_seen TEXT COLLATE "C" NOT NULL,
    last_seen TEXT COLLATE "C" NOT NULL
);
CREATE INDEX unknown_texts_count ON unknown_texts(count, last_seen);
