-- Payments: bills and request invoices paid in the chat (Bale) or at any bank (the banks'
-- reconciliation file), each recorded once; national bill/payment IDs of request invoices;
-- how a chat proved it holds a subscription; satisfaction ratings of closed requests.

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    channel       TEXT NOT NULL,              -- bale (in-chat invoice) or bank (reconciliation)
    reference     TEXT NOT NULL,              -- Bale's charge id or the bank's reference
    provider_ref  TEXT,                       -- Bale: the provider's charge id
    bill_row_id   INTEGER REFERENCES bills(id),
    request_id    INTEGER REFERENCES requests(id),
    bill_id       TEXT NOT NULL,              -- the national bill ID and payment ID paid
    payment_id    TEXT NOT NULL,
    amount        INTEGER NOT NULL,           -- rials
    chat_id       INTEGER,                    -- the paying chat (in-chat payments)
    paid_at       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (channel, reference),              -- one charge is recorded once
    CHECK ((bill_row_id IS NULL) <> (request_id IS NULL))
);
CREATE INDEX payments_bill ON payments(bill_row_id);
CREATE INDEX payments_request ON payments(request_id);

-- A paid bill shows its reference; a bill settled by a later bill that carried its debt
-- gets that bill's reference.
ALTER TABLE bills ADD COLUMN payment_ref TEXT;
CREATE INDEX bills_pay_ids ON bills(bill_id, payment_id);

-- Request invoices are national-standard bills (water service type) payable at any bank.
ALTER TABLE requests ADD COLUMN invoice_bill_id TEXT;
ALTER TABLE requests ADD COLUMN invoice_payment_id TEXT;
ALTER TABLE requests ADD COLUMN invoice_paid_ref TEXT;
CREATE INDEX requests_invoice_ids ON requests(invoice_bill_id, invoice_payment_id);
-- Satisfaction after closing: 1-5 stars and an optional comment, given once.
ALTER TABLE requests ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE requests ADD COLUMN rating_comment TEXT;
ALTER TABLE requests ADD COLUMN rated_at TEXT;

-- How ownership was proven: phone (the contact matched the phone on file) or bill (the bill
-- ID with the payment ID of one of the subscription's last three bills).
ALTER TABLE links ADD COLUMN proof TEXT CHECK (proof IN ('phone', 'bill'));
UPDATE links SET proof = 'phone' WHERE verified_at IS NOT NULL;
