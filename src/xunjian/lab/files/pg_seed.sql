-- xunjian lab baseline for the CTEA platform (runbook 004), database ctea on 127.0.14.1.
-- Run in one transaction on every seed: the tables are dropped and made again, so a fault a test
-- injected (rows, columns, grants) is undone. Times are relative to now(): the baseline is
-- healthy when seeded: no failed payment and no failed iiko sync in the last 24 hours.
SET ROLE ctea_admin;

DROP VIEW IF EXISTS orders;
DROP TABLE IF EXISTS "order", iiko_sync_log, coupon_template, coupon_instance,
    member_points_history, product_option_group, product_option_item CASCADE;
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

-- Coupons (runbook 5.4, appendix B). coupon_instance.code is the key a coming migration makes
-- unique, template_id the foreign key it adds (3.2.2, 3.2.3): no duplicates, no orphans here.
CREATE TABLE coupon_template (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    discount_amount numeric(12, 2) NOT NULL
);
INSERT INTO coupon_template (id, name, discount_amount) VALUES
    (1, '新人立减 20', 20.00), (2, '满 300 减 50', 50.00), (3, '会员日 9 折', 0.00);
CREATE TABLE coupon_instance (
    id bigserial PRIMARY KEY,
    template_id bigint NOT NULL,
    member_id bigint NOT NULL,
    code text NOT NULL,
    status text NOT NULL,                 -- ISSUED, USED, EXPIRED
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO coupon_instance (template_id, member_id, code, status, created_at) VALUES
    (1, 101, 'NEW20-0001', 'USED', now() - interval '10 days'),
    (1, 102, 'NEW20-0002', 'ISSUED', now() - interval '9 days'),
    (1, 103, 'NEW20-0003', 'USED', now() - interval '2 days'),
    (2, 101, 'M300-0001', 'USED', now() - interval '5 hours'),
    (2, 104, 'M300-0002', 'ISSUED', now() - interval '3 hours'),
    (3, 105, 'VIP90-0001', 'EXPIRED', now() - interval '40 days');

-- Points (5.4): the balance may never go below zero (the check constraint a migration adds).
CREATE TABLE member_points_history (
    id bigserial PRIMARY KEY,
    member_id bigint NOT NULL,
    delta integer NOT NULL,
    balance integer NOT NULL,
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO member_points_history (member_id, delta, balance, reason, created_at) VALUES
    (101, 459, 459, 'order CT-0001', now() - interval '3 days'),
    (103, 1290, 1290, 'order CT-0003', now() - interval '26 hours'),
    (101, 215, 674, 'order CT-0004', now() - interval '5 hours'),
    (101, -200, 474, 'redeem', now() - interval '4 hours'),
    (104, 780, 780, 'order CT-0005', now() - interval '3 hours');

-- Product option groups (3.3): a group's default item must be one of its own items. The lab
-- keeps migration 0001's trigger off, so that the invariant is xunjian's to check.
CREATE TABLE product_option_group (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    default_item_id bigint
);
CREATE TABLE product_option_item (
    id bigserial PRIMARY KEY,
    group_id bigint NOT NULL,
    name text NOT NULL,
    UNIQUE (group_id, id)
);
INSERT INTO product_option_group (id, name, default_item_id) VALUES
    (1, '甜度', 2), (2, '冰量', 5), (3, '加料', NULL);
INSERT INTO product_option_item (id, group_id, name) VALUES
    (1, 1, '无糖'), (2, 1, '半糖'), (3, 1, '全糖'),
    (4, 2, '去冰'), (5, 2, '少冰'), (6, 2, '正常冰'),
    (7, 3, '珍珠'), (8, 3, '椰果');
SELECT setval(pg_get_serial_sequence('coupon_template', 'id'), 3),
       setval(pg_get_serial_sequence('product_option_group', 'id'), 3),
       setval(pg_get_serial_sequence('product_option_item', 'id'), 8);

-- Migration history as drizzle-orm's migrator keeps it (runbook 2.2, 3.1): one row per applied
-- migration of the app's drizzle/meta/_journal.json (lab/apps/ctea/drizzle), hash = sha256 of
-- the migration's SQL file, created_at = the journal entry's `when`.
CREATE SCHEMA drizzle;
CREATE TABLE drizzle.__drizzle_migrations (
    id serial PRIMARY KEY,
    hash text NOT NULL,
    created_at bigint
);
INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES
    ('42b48d3460cf3b07927aa79d29216c9c375937f42f9eefa229384ba13ddca0a4', 1764547200000),
    ('ffe8b40c38218344bfa6c42e2c2a8ddd91c2e875ea0877c4a1475e4dbcec8527', 1766102400000),
    ('578d558a1177fca58aa8305f7007cf8a82e83ea955e36604ed1932e6f7441e47', 1767657600000);

-- ctea_ro reads everything and writes nothing.
GRANT USAGE ON SCHEMA public, drizzle TO ctea_ro;
GRANT SELECT ON ALL TABLES IN SCHEMA public, drizzle TO ctea_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ctea_ro;

RESET ROLE;
