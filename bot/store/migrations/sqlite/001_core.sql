-- Core schema: chats, subscribers, bills, readings, links, requests, documents, outbox,
-- audit trail, and the tables behind the PTB persistence.
-- Dates are ISO-8601 text (dates: YYYY-MM-DD Gregorian; moments: UTC with offset).
-- Money is INTEGER rials. Volumes that may be fractional are TEXT decimals.

CREATE TABLE chats (
    chat_id           INTEGER PRIMARY KEY,
    user_id           INTEGER,
    first_name        TEXT,
    username          TEXT,
    phone             TEXT,             -- verified mobile, normalised to 09xxxxxxxxx
    phone_verified_at TEXT,
    blocked           INTEGER NOT NULL DEFAULT 0,  -- the user blocked the bot
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE TABLE subscribers (
    id                    INTEGER PRIMARY KEY,
    subscription_number   TEXT NOT NULL UNIQUE,  -- all digits, check digit included
    file_number           TEXT,
    bill_id               TEXT NOT NULL UNIQUE,  -- fixed per subscription (seed 002, item 3)
    name                  TEXT NOT NULL,
    national_id           TEXT,
    phone                 TEXT,                  -- mobile on file, 09xxxxxxxxx
    schedule              TEXT NOT NULL,         -- tariff schedule id
    city                  TEXT NOT NULL,         -- city id of the schedule
    zone                  INTEGER,
    address               TEXT,
    usage                 TEXT NOT NULL,         -- usage class id
    units                 INTEGER NOT NULL DEFAULT 1 CHECK (units >= 1),
    non_residential_units INTEGER NOT NULL DEFAULT 0,
    diameter              TEXT NOT NULL DEFAULT '1/2',
    contract_capacity     TEXT,                  -- m³/month, non-household
    has_sewage            INTEGER NOT NULL DEFAULT 0,
    meter_status          TEXT,
    created_at            TEXT NOT NULL
);
CREATE INDEX subscribers_city ON subscribers(city, zone);

CREATE TABLE bills (
    id                    INTEGER PRIMARY KEY,
    subscriber_id         INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    year                  INTEGER NOT NULL,      -- Jalali year of the reading
    period                INTEGER NOT NULL CHECK (period BETWEEN 1 AND 6),
    issue_date            TEXT NOT NULL,
    bill_id               TEXT NOT NULL,
    payment_id            TEXT NOT NULL,
    usage                 TEXT NOT NULL,
    units                 INTEGER NOT NULL,
    non_residential_units INTEGER NOT NULL DEFAULT 0,
    diameter              TEXT NOT NULL,
    meter_status          TEXT,
    prev_reading_date     TEXT NOT NULL,
    curr_reading_date     TEXT NOT NULL,
    prev_reading          INTEGER NOT NULL,
    curr_reading          INTEGER NOT NULL,
    days                  INTEGER NOT NULL,
    consumption           TEXT NOT NULL,         -- m³
    average_daily         TEXT NOT NULL,         -- m³ per day
    allowed               TEXT NOT NULL,         -- pattern or contract capacity for the period, m³
    excess_use            TEXT NOT NULL,         -- m³ above the allowed use
    fixed_fee             INTEGER NOT NULL,
    water_charge          INTEGER NOT NULL,
    sewage_fee            INTEGER NOT NULL DEFAULT 0,
    tax                   INTEGER NOT NULL,
    excess_charge         INTEGER NOT NULL DEFAULT 0,
    supply_project        INTEGER NOT NULL DEFAULT 0,
    total                 INTEGER NOT NULL,
    previous_balance      INTEGER NOT NULL DEFAULT 0,  -- debt (+) or credit (−)
    carry_in              INTEGER NOT NULL DEFAULT 0,
    carry_out             INTEGER NOT NULL DEFAULT 0,  -- rounding carried to the next bill
    cost_price_per_m3     INTEGER NOT NULL DEFAULT 0,
    subsidy               INTEGER NOT NULL DEFAULT 0,
    payable               INTEGER NOT NULL,
    due_date              TEXT NOT NULL,
    paid_at               TEXT,
    lines_json            TEXT NOT NULL,         -- every line item of the tariff engine
    created_at            TEXT NOT NULL,
    UNIQUE (subscriber_id, year, period)
);
CREATE INDEX bills_due ON bills(due_date) WHERE paid_at IS NULL;

CREATE TABLE readings (
    id             INTEGER PRIMARY KEY,
    subscriber_id  INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    read_on        TEXT NOT NULL,
    reading        INTEGER NOT NULL CHECK (reading >= 0),
    source         TEXT NOT NULL CHECK (source IN ('reader', 'self', 'import')),
    chat_id        INTEGER,
    photo_file_id  TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX readings_subscriber ON readings(subscriber_id, read_on);

CREATE TABLE links (
    chat_id       INTEGER NOT NULL REFERENCES chats(chat_id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
    nickname      TEXT NOT NULL,
    verified_at   TEXT,                          -- set when the phone contact matched
    created_at    TEXT NOT NULL,
    PRIMARY KEY (chat_id, subscriber_id)
);
CREATE INDEX links_subscriber ON links(subscriber_id);

CREATE TABLE requests (
    id                INTEGER PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,     -- tracking code (کد رهگیری)
    kind              TEXT NOT NULL CHECK (kind IN ('service', 'incident')),
    service           TEXT NOT NULL,            -- service id or incident type
    chat_id           INTEGER NOT NULL,
    user_id           INTEGER,
    subscriber_id     INTEGER REFERENCES subscribers(id),
    applicant_json    TEXT NOT NULL DEFAULT '{}',
    fields_json       TEXT NOT NULL DEFAULT '{}',
    latitude          REAL,
    longitude         REAL,
    city              TEXT,
    stage             TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open'
                      CHECK (status IN ('open', 'cancelled', 'rejected', 'closed')),
    invoice_amount    INTEGER,
    invoice_paid_at   TEXT,
    pending_document  TEXT,                     -- document type an operator asked for
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX requests_chat ON requests(chat_id, created_at);
CREATE INDEX requests_open ON requests(status, service, stage);

CREATE TABLE request_stages (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    stage       TEXT NOT NULL,
    note        TEXT,
    actor       TEXT NOT NULL,                  -- user:<id>, operator:<id>, cli:<name>, system
    created_at  TEXT NOT NULL
);
CREATE INDEX request_stages_request ON request_stages(request_id, id);

CREATE TABLE documents (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    doc_type        TEXT NOT NULL,              -- document id of the service catalog
    media           TEXT NOT NULL CHECK (media IN ('photo', 'document')),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    file_name       TEXT,
    mime_type       TEXT,
    size            INTEGER,
    created_at      TEXT NOT NULL
);
CREATE INDEX documents_request ON documents(request_id);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    chat_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL,             -- stage, invoice, document, bill, reminder, ...
    text             TEXT NOT NULL,
    reply_markup     TEXT,                      -- JSON of an InlineKeyboardMarkup
    request_id       INTEGER REFERENCES requests(id),
    dedupe_key       TEXT UNIQUE,               -- one message per event
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    not_before       TEXT NOT NULL,             -- earliest moment of the next attempt
    last_error       TEXT,
    message_id       INTEGER,
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_pending ON outbox(status, not_before) WHERE status = 'pending';

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    request_id  INTEGER REFERENCES requests(id),
    details     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);
CREATE INDEX audit_request ON audit(request_id);

-- PTB persistence (BasePersistence on the same database).
CREATE TABLE ptb_user_data (user_id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE ptb_chat_data (chat_id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE ptb_bot_data (id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL);
CREATE TABLE ptb_callback_data (id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL);
CREATE TABLE ptb_conversations (
    name   TEXT NOT NULL,
    key    TEXT NOT NULL,                       -- JSON list of the conversation key
    state  BLOB NOT NULL,
    PRIMARY KEY (name, key)
);
