-- xunjian lab baseline for the CTEA platform (runbook 004), database ctea on 127.0.14.1.
-- Run in one transaction on every seed: the tables are dropped and made again, so a fault a test
-- injected (rows, columns, grants) is undone. Times are relative to now(): the baseline is
-- healthy when seeded: no failed payment and no failed iiko sync in the last 24 hours.
SET ROLE ctea_admin;

DROP VIEW IF EXISTS orders;
DROP TABLE IF EXISTS "order", iiko_sync_log CASCADE;
DROP SCHEMA IF EXISTS drizzle CASCADE;

-- The runbook's queries name the table "order" (5.2, appendix B).
CREATE TABLE "order" (
    id bigserial PRIMARY KEY,
    order_number text NOT NULL UNIQUE,
    member_id bigint,
    status text NOT NULL,                 -- PENDING, PAID, COMPLETED, CANCELLED
    payment_status text NOT NULL,         -- PENDING, PAID, FAILED, REFUNDED
    payment_transaction_id text,
    total_amount numeric(12, 2) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    paid_at timestamptz
);
INSERT INTO "order"
    (order_number, member_id, status, payment_status, payment_transaction_id, total_amount,
     created_at, paid_at)
VALUES
    ('CT-0001', 101, 'COMPLETED', 'PAID', 'pay_lab_0001', 459.00,
     now() - interval '3 days', now() - interval '3 days' + interval '40 seconds'),
    ('CT-0002', 102, 'CANCELLED', 'FAILED', NULL, 320.00,
     now() - interval '3 days' + interval '2 hours', NULL),
    ('CT-0003', 103, 'COMPLETED', 'PAID', 'pay_lab_0003', 1290.50,
     now() - interval '26 hours', now() - interval '26 hours' + interval '25 seconds'),
    ('CT-0004', 101, 'COMPLETED', 'PAID', 'pay_lab_0004', 215.00,
     now() - interval '5 hours', now() - interval '5 hours' + interval '31 seconds'),
    ('CT-0005', 104, 'COMPLETED', 'PAID', 'pay_lab_0005', 780.00,
     now() - interval '3 hours', now() - interval '3 hours' + interval '12 seconds'),
    ('CT-0006', 105, 'CANCELLED', 'REFUNDED', 'pay_lab_0006', 99.00,
     now() - interval '2 hours', now() - interval '2 hours' + interval '18 seconds'),
    ('CT-0007', 102, 'PAID', 'PAID', 'pay_lab_0007', 540.00,
     now() - interval '40 minutes', now() - interval '39 minutes'),
    ('CT-0008', 106, 'PENDING', 'PENDING', NULL, 188.00,
     now() - interval '5 minutes', NULL);

-- The same rows under the plural name; a plain view, so UPDATE through it works too.
CREATE VIEW orders AS
    SELECT id, order_number, member_id, status, payment_status, payment_transaction_id,
           total_amount, created_at, paid_at
    FROM "order";

CREATE TABLE iiko_sync_log (
    id bigserial PRIMARY KEY,
    sync_type text NOT NULL,              -- products, stock
    status text NOT NULL,                 -- RUNNING, SUCCESS, FAILED
    items_synced integer NOT NULL DEFAULT 0,
    error_message text,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO iiko_sync_log
    (sync_type, status, items_synced, error_message, started_at, finished_at, created_at)
VALUES
    ('products', 'FAILED', 0, 'iiko api: 503 Service Unavailable',
     now() - interval '2 days', now() - interval '2 days' + interval '30 seconds',
     now() - interval '2 days'),
    ('products', 'SUCCESS', 214, NULL, now() - interval '2 hours',
     now() - interval '2 hours' + interval '41 seconds', now() - interval '2 hours'),
    ('stock', 'SUCCESS', 96, NULL, now() - interval '70 minutes',
     now() - interval '70 minutes' + interval '12 seconds', now() - interval '70 minutes'),
    ('products', 'SUCCESS', 214, NULL, now() - interval '1 hour',
     now() - interval '1 hour' + interval '39 seconds', now() - interval '1 hour'),
    ('stock', 'SUCCESS', 97, NULL, now() - interval '10 minutes',
     now() - interval '10 minutes' + interval '11 seconds', now() - interval '10 minutes');

-- Migration history as drizzle-kit keeps it (runbook 2.2, 3.1).
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (
    id serial PRIMARY KEY,
    hash text NOT NULL,
    created_at bigint
);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES
    ('0000_initial_schema', (extract(epoch FROM now() - interval '60 days') * 1000)::bigint),
    ('0001_add_composite_fk', (extract(epoch FROM now() - interval '20 days') * 1000)::bigint),
    ('0002_iiko_sync_log', (extract(epoch FROM now() - interval '3 days') * 1000)::bigint);

-- ctea_ro reads everything and writes nothing.
GRANT USAGE ON SCHEMA public, drizzle TO ctea_ro;
GRANT SELECT ON ALL TABLES IN SCHEMA public, drizzle TO ctea_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ctea_ro;

RESET ROLE;
