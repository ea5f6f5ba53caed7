-- Texts the bot did not understand, counted so that a clerk can add their words to
-- bot/data/vocabulary.yaml (`python -m bot ops unknown`). Only the text is kept, folded and
-- with every digit masked (no subscription, bill, phone or national numbers), and no chat
-- or user id. Times are ISO text in UTC, passed from Python.
CREATE TABLE unknown_texts (
    text TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX unknown_texts_count ON unknown_texts(count, last_seen);
