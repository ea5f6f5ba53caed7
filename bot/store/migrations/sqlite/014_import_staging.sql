-- Staging for imports (bot/store/imports.py): an import writes the rows of its file here
-- in short batches, checks them against each other and the subscribers on file with a few
-- set-based queries, and only then copies them (again in short batches) into subscribers.
-- `run` names one import; `ok` is 0 for a row rejected by its own checks (it is staged
-- anyway, so that a later row repeating its number is still reported as a duplicate).

CREATE TABLE import_subscribers (
    run                   TEXT NOT NULL,
    line                  INTEGER NOT NULL,
    ok                    INTEGER NOT NULL,
    subscription_number   TEXT,
    file_number           TEXT,
    bill_id               TEXT,
    name                  TEXT,
    national_id           TEXT,
    phone                 TEXT,
    schedule              TEXT,
    city                  TEXT,
    zone                  INTEGER,
    address               TEXT,
    usage                 TEXT,
    units                 INTEGER,
    non_residential_units INTEGER,
    diameter              TEXT,
    contract_capacity     TEXT,
    has_sewage            INTEGER,
    meter_status          TEXT,
    PRIMARY KEY (run, line)
);
CREATE INDEX import_subscribers_number ON import_subscribers(run, subscription_number);
CREATE INDEX import_subscribers_bill_id ON import_subscribers(run, bill_id);
