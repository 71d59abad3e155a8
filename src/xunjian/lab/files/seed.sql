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

-- runbook 000 part 2 (每周任务): the API's users, tokens, the four downloads' tables and their
-- "upstream" (the lab's stand-in for WeCom's cloud, which a download copies new rows from;
-- files/WecomApi.java). Row 1 of sys_user is seed.py's: THQH_API_USERNAME / THQH_API_PASSWORD
-- of lab.env. Row 2 holds a bcrypt hash, as production's rows may: it can never log in.
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.sys_user (
    id INT PRIMARY KEY, username VARCHAR(64) UNIQUE, password VARCHAR(128));
REPLACE INTO thqh_enterprise_wechat.sys_user VALUES
    (2, 'ewc_audit', '$$2a$$10$$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy');
DELETE FROM thqh_enterprise_wechat.sys_user WHERE id > 2;
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.api_token (
    token VARCHAR(128) PRIMARY KEY, username VARCHAR(64), expires_at DATETIME(3));
DELETE FROM thqh_enterprise_wechat.api_token;
-- faults of the API, read on every request (see WecomApi.java); none at baseline
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.lab_control (
    name VARCHAR(64) PRIMARY KEY, value VARCHAR(255));
DELETE FROM thqh_enterprise_wechat.lab_control;

CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.wx_customer (
    id INT PRIMARY KEY, external_userid VARCHAR(64), name VARCHAR(64), updated_at DATETIME);
REPLACE INTO thqh_enterprise_wechat.wx_customer VALUES
    (1, 'wmLAB0001', '客户甲', NOW() - INTERVAL 6 DAY), (2, 'wmLAB0002', '客户乙', NOW() - INTERVAL 2 DAY);
DELETE FROM thqh_enterprise_wechat.wx_customer WHERE id > 2;
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.upstream_customer LIKE thqh_enterprise_wechat.wx_customer;
REPLACE INTO thqh_enterprise_wechat.upstream_customer VALUES
    (1, 'wmLAB0001', '客户甲', NOW() - INTERVAL 6 DAY), (2, 'wmLAB0002', '客户乙', NOW() - INTERVAL 2 DAY),
    (3, 'wmLAB0003', '客户丙', NOW() - INTERVAL 1 DAY);
DELETE FROM thqh_enterprise_wechat.upstream_customer WHERE id > 3;

CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.wx_user (
    id INT PRIMARY KEY, userid VARCHAR(64), name VARCHAR(64), updated_at DATETIME);
REPLACE INTO thqh_enterprise_wechat.wx_user VALUES
    (1, 'zhangsan', '张三', NOW() - INTERVAL 30 DAY), (2, 'lisi', '李四', NOW() - INTERVAL 9 DAY);
DELETE FROM thqh_enterprise_wechat.wx_user WHERE id > 2;
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.upstream_user LIKE thqh_enterprise_wechat.wx_user;
REPLACE INTO thqh_enterprise_wechat.upstream_user VALUES
    (1, 'zhangsan', '张三', NOW() - INTERVAL 30 DAY), (2, 'lisi', '李四', NOW() - INTERVAL 9 DAY),
    (3, 'wangwu', '王五', NOW() - INTERVAL 1 DAY);
DELETE FROM thqh_enterprise_wechat.upstream_user WHERE id > 3;

CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.wx_groupchat (
    id INT PRIMARY KEY, chat_id VARCHAR(64), name VARCHAR(64), updated_at DATETIME);
REPLACE INTO thqh_enterprise_wechat.wx_groupchat VALUES
    (1, 'wrLAB0001', '开户咨询群', NOW() - INTERVAL 8 DAY);
DELETE FROM thqh_enterprise_wechat.wx_groupchat WHERE id > 1;
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.upstream_groupchat LIKE thqh_enterprise_wechat.wx_groupchat;
REPLACE INTO thqh_enterprise_wechat.upstream_groupchat VALUES
    (1, 'wrLAB0001', '开户咨询群', NOW() - INTERVAL 8 DAY), (2, 'wrLAB0002', '理财服务群', NOW() - INTERVAL 1 DAY);
DELETE FROM thqh_enterprise_wechat.upstream_groupchat WHERE id > 2;

CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.wx_chat_record (
    id INT PRIMARY KEY, msgid VARCHAR(64), from_user VARCHAR(64), msgtime DATETIME, content TEXT);
REPLACE INTO thqh_enterprise_wechat.wx_chat_record VALUES
    (1, 'lab-msg-0001', 'zhangsan', NOW() - INTERVAL 3 DAY, '您好，请问开户需要什么材料？'),
    (2, 'lab-msg-0002', 'lisi', NOW() - INTERVAL 1 DAY, '已收到，谢谢。');
DELETE FROM thqh_enterprise_wechat.wx_chat_record WHERE id > 2;
CREATE TABLE IF NOT EXISTS thqh_enterprise_wechat.upstream_chatdata LIKE thqh_enterprise_wechat.wx_chat_record;
REPLACE INTO thqh_enterprise_wechat.upstream_chatdata VALUES
    (1, 'lab-msg-0001', 'zhangsan', NOW() - INTERVAL 3 DAY, '您好，请问开户需要什么材料？'),
    (2, 'lab-msg-0002', 'lisi', NOW() - INTERVAL 1 DAY, '已收到，谢谢。'),
    (3, 'lab-msg-0003', 'wangwu', NOW() - INTERVAL 2 HOUR, '本周的对账单已发送。');
DELETE FROM thqh_enterprise_wechat.upstream_chatdata WHERE id > 3;

CREATE TABLE IF NOT EXISTS bdds.sys_role (id INT PRIMARY KEY, name VARCHAR(64));
REPLACE INTO bdds.sys_role VALUES (1, 'admin'), (2, 'viewer');
