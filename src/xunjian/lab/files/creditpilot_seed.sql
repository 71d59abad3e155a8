-- xunjian lab baseline for CreditPilot (runbook 001): db/smart_loan_manager.db on 127.0.11.1.
-- Written into a new file that then replaces the old one, so a reader never sees half of it.
-- Healthy as seeded: every table has rows, and for every bill (and so in total)
-- charges - payments = balance (总费用 - 总还款 = 净余额), the totals made from the transactions;
-- balance_summary holds the application's own figures, which the app keeps up to date in the same
-- transaction as every transaction it records (apps/creditpilot_app.py, POST /api/transactions).
-- users (Admin / Accountant, runbook 001 §7 RBAC) is filled by lab/creditpilot.py from the lab
-- secrets, with password hashes.
PRAGMA foreign_keys = ON;

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    ic_number TEXT NOT NULL UNIQUE,
    phone TEXT,
    email TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
INSERT INTO customers (id, name, ic_number, phone, email, created_at) VALUES
    (1, 'Tan Wei Ming', '850312-14-5521', '+60 12-318 4471', 'weiming.tan@example.my', '2025-08-02 10:15:00'),
    (2, 'Nur Aisyah binti Rahman', '900721-10-6632', '+60 13-552 0918', 'aisyah.r@example.my', '2025-08-05 14:02:00'),
    (3, 'Lim Kah Hoe', '781130-08-5147', '+60 16-220 7735', 'kh.lim@example.my', '2025-08-19 09:40:00'),
    (4, 'Rajesh a/l Subramaniam', '830415-07-5893', '+60 17-604 1182', 'rajesh.s@example.my', '2025-09-01 11:25:00'),
    (5, 'Chong Mei Ling', '920228-14-6270', '+60 11-2790 3316', 'meiling.c@example.my', '2025-09-14 16:48:00'),
    (6, 'Ahmad Faizal bin Osman', '870609-03-5415', '+60 19-338 2204', 'faizal.o@example.my', '2025-10-03 08:55:00'),
    (7, 'Wong Siew Lan', '950117-10-5938', '+60 12-907 6653', 'siewlan.w@example.my', '2025-10-21 13:30:00'),
    (8, 'Kavitha a/p Ramasamy', '880802-05-6184', '+60 14-661 5027', 'kavitha.r@example.my', '2025-11-06 10:05:00');

CREATE TABLE credit_cards (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    bank_name TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    card_type TEXT NOT NULL,
    credit_limit REAL NOT NULL
);
INSERT INTO credit_cards (id, customer_id, bank_name, card_last4, card_type, credit_limit) VALUES
    (1, 1, 'Maybank', '4417', 'VISA', 30000.00),
    (2, 1, 'CIMB', '9021', 'MASTERCARD', 15000.00),
    (3, 2, 'Public Bank', '3388', 'VISA', 20000.00),
    (4, 3, 'Hong Leong', '7750', 'MASTERCARD', 25000.00),
    (5, 4, 'RHB', '1604', 'VISA', 12000.00),
    (6, 5, 'AmBank', '5129', 'VISA', 18000.00);

CREATE TABLE bills (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    card_id INTEGER NOT NULL REFERENCES credit_cards (id),
    statement_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    total_charges REAL NOT NULL DEFAULT 0,
    total_payments REAL NOT NULL DEFAULT 0,
    closing_balance REAL NOT NULL DEFAULT 0
);
INSERT INTO bills (id, customer_id, card_id, statement_date, due_date) VALUES
    (1, 1, 1, '2025-10-15', '2025-11-04'),
    (2, 1, 2, '2025-10-20', '2025-11-09'),
    (3, 2, 3, '2025-10-25', '2025-11-14'),
    (4, 3, 4, '2025-11-01', '2025-11-21'),
    (5, 4, 5, '2025-11-05', '2025-11-25');

CREATE TABLE transactions (
    id INTEGER PRIMARY KEY,
    bill_id INTEGER NOT NULL REFERENCES bills (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    transaction_date TEXT NOT NULL,
    description TEXT NOT NULL,
    transaction_type TEXT NOT NULL CHECK (transaction_type IN ('charge', 'payment')),
    amount REAL NOT NULL CHECK (amount > 0)
);
INSERT INTO transactions
    (id, bill_id, customer_id, transaction_date, description, transaction_type, amount)
VALUES
    (1, 1, 1, '2025-09-18', 'GRAB *RIDE KUALA LUMPUR', 'charge', 38.50),
    (2, 1, 1, '2025-09-22', 'PETRONAS SS2', 'charge', 120.00),
    (3, 1, 1, '2025-10-02', 'PAYMENT - THANK YOU', 'payment', 300.00),
    (4, 1, 1, '2025-10-09', 'AEON BIG SUBANG', 'charge', 286.35),
    (5, 2, 1, '2025-10-01', 'SHOPEE MALAYSIA', 'charge', 159.90),
    (6, 2, 1, '2025-10-12', 'TNB BILL PAYMENT', 'charge', 212.40),
    (7, 3, 2, '2025-09-28', 'PAYMENT - THANK YOU', 'payment', 500.00),
    (8, 3, 2, '2025-10-05', 'MYDIN MALL', 'charge', 95.20),
    (9, 3, 2, '2025-10-17', 'AIRASIA BERHAD', 'charge', 689.00),
    (10, 4, 3, '2025-10-06', 'PAYMENT - THANK YOU', 'payment', 1000.00),
    (11, 4, 3, '2025-10-14', 'IKEA DAMANSARA', 'charge', 1499.00),
    (12, 4, 3, '2025-10-27', 'STARBUCKS KLCC', 'charge', 27.60),
    (13, 5, 4, '2025-10-19', 'UNIQLO MID VALLEY', 'charge', 249.80),
    (14, 5, 4, '2025-10-30', 'PAYMENT - THANK YOU', 'payment', 100.00);

-- Each bill's totals from its transactions, then its balance from those totals.
UPDATE bills SET
    total_charges = (SELECT COALESCE(SUM(amount), 0) FROM transactions t
                     WHERE t.bill_id = bills.id AND t.transaction_type = 'charge'),
    total_payments = (SELECT COALESCE(SUM(amount), 0) FROM transactions t
                      WHERE t.bill_id = bills.id AND t.transaction_type = 'payment');
UPDATE bills SET closing_balance = round(total_charges - total_payments, 2);

-- The application's stored totals (one row): what its dashboard shows as 总费用 / 总还款 / 净余额.
CREATE TABLE balance_summary (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    total_charges REAL NOT NULL,
    total_payments REAL NOT NULL,
    net_balance REAL NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (datetime('now'))
);
INSERT INTO balance_summary (id, total_charges, total_payments, net_balance)
SELECT 1, round(SUM(total_charges), 2), round(SUM(total_payments), 2),
       round(SUM(total_charges) - SUM(total_payments), 2)
FROM bills;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('Admin', 'Accountant'))
);
