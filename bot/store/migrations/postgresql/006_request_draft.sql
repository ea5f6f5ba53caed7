-- A request remembers the draft it was submitted from, so submitting the same draft
-- again (after a crash between the commit and the reply) returns the stored request.
ALTER TABLE requests ADD COLUMN draft_id TEXT COLLATE "C";
CREATE UNIQUE INDEX requests_draft ON requests(draft_id) WHERE draft_id IS NOT NULL;
