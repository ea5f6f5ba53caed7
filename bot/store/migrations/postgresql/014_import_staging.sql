-- PostgreSQL twin of sqlite/013_import_staging.sql (types as in 001_core.sql).
-- Staging for imports (bot/store/imports.py): an import writes the rows of its file here
-- in short batches, checks them against each other and the subscribers on file with a few
-- set-based queries, and only then copies them (again in short batches) into subscribers.
-- `run` names one import; `ok` is 0 for a row rejected by its own checks (it is staged
-- anyway, so that a later row repeating its number is still reported as a duplicate).

CREATE TABLE import_subscribers (
    run                   TEXT COLLATE "C" NOT NULL,
    line                  BIGINT NOT NULL,
    ok                    BIGINT NOT NULL,
    subscription_number   TEXT COLLATE "C",
    file_number           TEXT COLLATE "C",
    bill_id               TEXT COLLATE "C",
    name                  TEXT COLLATE "C",
    national_id           TEXT COLLATE "C",
    phone                 TEXT COLLATE "C",
    schedule              TEXT COLLATE "C",
    city                  TEXT COLLATE "C",
    zone                  BIGINT,
    address               TEXT COLLATE "C",
    usage                 TEXT COLLATE "C",
    units                 BIGINT,
    non_residential_units BIGINT,
    diameter              TEXT COLLATE "C",
    contract_capacity     TEXT COLLATE "C",
    has_sewage            BIGINT,
    meter_status          TEXT COLLATE "C",
    PRIMARY KEY (run, line)
);
CREATE INDEX import_subscribers_number ON import_subscribers(run, subscription_number);
CREATE INDEX import_subscribers_bill_id ON import_subscribers(run, bill_id);
