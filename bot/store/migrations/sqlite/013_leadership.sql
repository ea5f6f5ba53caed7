-- Leader and standby (issue 14, item 4): what a new leader must not do again.
-- handled_updates: the Bot API updates whose handling was committed (written in the same
-- transaction as the conversation state they produced); a new leader skips them and
-- starts getUpdates after the highest. Old ids are pruned (update ids only grow).
-- job_runs: scheduled jobs that finished, one row per job and slot (a day, an hour), so a
-- new leader does not run again what the old one finished. Times are ISO text in UTC.
CREATE TABLE handled_updates (
    update_id INTEGER PRIMARY KEY,
    handled_at TEXT NOT NULL
);
CREATE TABLE job_runs (
    name TEXT NOT NULL,
    slot TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (name, slot)
);
