-- xunjian lab baseline data; run on every `up` (idempotent: tables are created if missing and
-- their rows reset to this baseline). ${fs} is replaced by <labdir>/root.
CREATE DATABASE IF NOT EXISTS thqh DEFAULT CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS lithium DEFAULT CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS thqh_enterprise_wechat DEFAULT CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS bdds DEFAULT CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS thqh.SyncStateTable (
    id INT PRIMARY KEY, tableName VARCHAR(64), checkFlag TINYINT, syncstate TINYINT,
    updateTime DATETIME);
-- Every checkFlag=1 row is in sync (syncstate=0); checkFlag=0 rows are not checked and some are
-- deliberately 1, so a query that forgets the checkFlag filter fails.
REPLACE INTO thqh.SyncStateTable VALUES
    (1, 'customer_info', 1, 0, NOW() - INTERVAL 2 HOUR),
    (2, 'account_info', 1, 0, NOW() - INTERVAL 2 HOUR),
    (3, 'trade_detail', 1, 0, NOW() - INTERVAL 1 HOUR),
    (4, 'position_daily', 1, 0, NOW() - INTERVAL 1 HOUR),
    (5, 'fund_flow', 1, 0, NOW() - INTERVAL 50 MINUTE),
    (6, 'legacy_margin', 0, 1, NOW() - INTERVAL 30 DAY),
    (7, 'tmp_import_2023', 0, 1, NOW() - INTERVAL 90 DAY),
    (8, 'report_cache', 0, 0, NOW() - INTERVAL 3 DAY);
DELETE FROM thqh.SyncStateTable WHERE id > 8;

CREATE TABLE IF NOT EXISTS thqh.Location (
    id INT PRIMARY KEY, type VARCHAR(32), path VARCHAR(255));
REPLACE INTO thqh.Location VALUES
    (1, 'incr', '${fs}/usr/local/Thqh/rsyncData/incr_csv/'),
    (2, 'full', '${fs}/usr/local/Thqh/rsyncData/full_csv'),
    (3, 'push', '${fs}/usr/local/Thqh/rsyncData/push_csv');
DELETE FROM thqh.Location WHERE id > 3;

CREATE TABLE IF NOT EXISTS lithium.index_price (
    id INT PRIMARY KEY, trade_date DATE, index_name VARCHAR(64), price DECIMAL(12, 2),
    change_pct DECIMAL(6, 2));
REPLACE INTO lithium.index_price VALUES
    (1, CURDATE() - INTERVAL 2 DAY, '碳酸锂指数', 74350.00, -0.42),
    (2, CURDATE() - INTERVAL 1 DAY, '碳酸锂指数', 74810.00, 0.62),
    (3, CURDATE(), '碳酸锂指数', 75200.00, 0.52),
    (4, CURDATE(), '电池级碳酸锂现货', 76100.00, 0.40);

CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.sys_user (
    id INT PRIMARY KEY, username VARCHAR(64) UNIQUE, password VARCHAR(128));
REPLACE INTO thqh_enterprise_wechat.sys_user VALUES
    (1, 'ewc_admin', 'lab-ewc-admin-pass'), (2, 'ewc_audit', 'lab-ewc-audit-pass');
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.wx_customer (
    id INT PRIMARY KEY, external_userid VARCHAR(64), name VARCHAR(64), updated_at DATETIME);
REPLACE INTO thqh_enterprise_wechat.wx_customer VALUES
    (1, 'wmLAB0001', '客户甲', NOW() - INTERVAL 6 DAY), (2, 'wmLAB0002', '客户乙', NOW() - INTERVAL 2 DAY);
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.wx_chat_record (
    id INT PRIMARY KEY, msgid VARCHAR(64), from_user VARCHAR(64), msgtime DATETIME, content TEXT);
REPLACE INTO thqh_enterprise_wechat.wx_chat_record VALUES
    (1, 'lab-msg-0001', 'zhangsan', NOW() - INTERVAL 3 DAY, '您好，请问开户需要什么材料？'),
    (2, 'lab-msg-0002', 'lisi', NOW() - INTERVAL 1 DAY, '已收到，谢谢。');

CREATE TABLE IF NOT EXISTS bdds.sys_role (id INT PRIMARY KEY, name VARCHAR(64));
REPLACE INTO bdds.sys_role VALUES (1, 'admin'), (2, 'viewer');
