// The CTEA platform stand-in (runbook 004): a plain Node http server run by pm2 as
// `ctea-platform`, on the lab PostgreSQL (TLS, verified), Redis, and the IIKO and payment
// stand-ins (standins.js). Appendix A's five health endpoints, /metrics for §4.1 (prom-client),
// a small API, and background work that makes the metrics move: a payment every 500 ms, an IIKO
// sync every second, and a client calling the API every 250 ms.
//
// Lab faults come from the JSON file $CTEA_FAULTS, read every second:
//   {"api_delay_ms": 2500, "api_shed": true, "hold_db_connections": 36}
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { Pool, Client } = require('pg');
const { createClient } = require('redis');
const prom = require('prom-client');

const env = process.env;
const HOST = env.HOST || '127.0.0.1';
const PORT = Number(env.PORT || 3000);
const LOG = env.APP_LOG || '/var/log/ctea-platform/app.log';

// ---- logging: "2026-01-06T10:00:00.000Z [LEVEL] message", app.log (§4.3) ----
fs.mkdirSync(path.dirname(LOG), { recursive: true });
const logStream = fs.createWriteStream(LOG, { flags: 'a' });
function stamp() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
function log(level, message) {
  logStream.write(`[${stamp()}] [${level}] ${message}\n`);
}

// ---- faults ----
let faults = {};
function readFaults() {
  try {
    faults = JSON.parse(fs.readFileSync(env.CTEA_FAULTS, 'utf8')) || {};
  } catch (e) {
    faults = {};
  }
}
setInterval(readFaults, 1000).unref();
readFaults();

// ---- dependencies ----
function sslOptions() {
  if (env.DATABASE_SSL !== 'true') return false;
  const ssl = { rejectUnauthorized: env.DATABASE_SSL_REJECT_UNAUTHORIZED === 'true' };
  if (env.DATABASE_CA_CERT) ssl.ca = fs.readFileSync(env.DATABASE_CA_CERT, 'utf8');
  return ssl;
}
const pgConfig = {
  connectionString: env.DATABASE_URL,
  ssl: sslOptions(),
  connectionTimeoutMillis: 2000,
  query_timeout: 4000,
};
const pool = new Pool({ ...pgConfig, max: 4, idleTimeoutMillis: 10000 });
pool.on('error', (e) => log('WARN', `database pool: ${e.message}`));

const redis = createClient({ url: env.REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: () => 1000 } });
redis.on('error', () => {}); // reported by /api/health/redis
redis.connect().catch(() => {});

function getJson(url, timeoutMs, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: body ? 'POST' : 'GET', timeout: timeoutMs,
      headers: { 'content-type': 'application/json', 'x-api-key': env.IIKO_API_KEY || '' } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

// ---- metrics (§4.1) ----
prom.collectDefaultMetrics();
const attempts = new prom.Counter({ name: 'payment_attempts_total', help: 'payments tried' });
const failures = new prom.Counter({ name: 'payment_failures_total', help: 'payments failed' });
const iikoFailures = new prom.Counter({ name: 'iiko_sync_failures_total', help: 'IIKO syncs failed' });
const iikoSyncs = new prom.Counter({ name: 'iiko_sync_total', help: 'IIKO syncs tried' });
const requests = new prom.Counter({
  name: 'http_requests_total', help: 'API requests', labelNames: ['route', 'status'],
});
const duration = new prom.Histogram({
  name: 'http_request_duration_seconds', help: 'API response time', labelNames: ['route'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10],
});
// the names postgres_exporter gives them, as the runbook's §4.2 rule uses them
new prom.Gauge({
  name: 'pg_stat_activity_count', help: 'connections to the server (pg_stat_activity)',
  async collect() {
    const r = await pool.query('SELECT count(*)::int AS n FROM pg_stat_activity');
    this.set(r.rows[0].n);
  },
});
new prom.Gauge({
  name: 'pg_settings_max_connections', help: 'the server max_connections',
  async collect() {
    const r = await pool.query("SELECT setting::int AS n FROM pg_settings WHERE name = 'max_connections'");
    this.set(r.rows[0].n);
  },
});

// ---- held connections (fault hold_db_connections) ----
const held = [];
async function holdConnections() {
  const want = Number(faults.hold_db_connections || 0);
  while (held.length > want) held.pop().end().catch(() => {});
  while (held.length < want) {
    const c = new Client(pgConfig);
    held.push(c);
    try { await c.connect(); } catch (e) { held.splice(held.indexOf(c), 1); break; }
  }
}
setInterval(() => holdConnections().catch(() => {}), 1000).unref();

// ---- health (Appendix A) ----
async function healthDb() { await pool.query('SELECT 1'); }
async function healthRedis() {
  if (!redis.isReady) throw new Error('redis not connected');
  const pong = await Promise.race([redis.ping(), new Promise((_, r) => setTimeout(() => r(new Error('timeout')), 2000))]);
  if (pong !== 'PONG') throw new Error(`redis answered ${pong}`);
}
async function healthUrl(base) {
  const r = await getJson(`${base}/health`, 2000);
  if (r.status !== 200) throw new Error(`answered ${r.status}`);
}
const checks = {
  db: healthDb,
  redis: healthRedis,
  iiko: () => healthUrl(env.IIKO_API_URL),
  payment: () => healthUrl(env.PAYMENT_GATEWAY_URL),
};

// ---- background work ----
let payments = 0;
async function payOnce() {
  attempts.inc();
  payments += 1;
  try {
    const r = await getJson(`${env.PAYMENT_GATEWAY_URL}/charge`, 2000, { order: payments, amount: 100 });
    if (r.status !== 200) throw new Error(`gateway answered ${r.status}`);
  } catch (e) {
    failures.inc();
    log('WARN', `payment_callback failed: ${e.message}`);
  }
}
async function iikoOnce() {
  iikoSyncs.inc();
  try {
    const r = await getJson(`${env.IIKO_API_URL}/api/1/nomenclature`, 2000, { organizationId: 'lab' });
    if (r.status !== 200) throw new Error(`iiko answered ${r.status}`);
  } catch (e) {
    iikoFailures.inc();
    log('WARN', `iiko sync failed: ${e.message}`);
  }
}
function clientOnce() {
  http.get({ host: HOST, port: PORT, path: '/api/menu', timeout: 10000 }, (res) => res.resume())
    .on('error', () => {});
}
setInterval(() => payOnce().catch(() => {}), 500).unref();
setInterval(() => iikoOnce().catch(() => {}), 1000).unref();
setInterval(clientOnce, 250).unref();

// ---- the server ----
function send(res, status, obj) {
  const body = typeof obj === 'string' ? obj : JSON.stringify(obj);
  res.writeHead(status, { 'content-type': typeof obj === 'string' ? prom.register.contentType : 'application/json' });
  res.end(body);
}
async function route(req, res) {
  const url = new URL(req.url, `http://${HOST}`);
  const p = url.pathname;
  if (p === '/metrics') return send(res, 200, await prom.register.metrics());
  if (p === '/api/health') return send(res, 200, { status: 'ok', uptime: process.uptime() });
  const m = p.match(/^\/api\/health\/(db|redis|iiko|payment)$/);
  if (m) {
    try {
      await checks[m[1]]();
      return send(res, 200, { status: 'ok', dependency: m[1] });
    } catch (e) {
      return send(res, 503, { status: 'error', dependency: m[1], error: e.message });
    }
  }
  if (p === '/api/menu') {
    const end = duration.startTimer({ route: p });
    let status = 200;
    try {
      if (faults.api_delay_ms) await new Promise((r) => setTimeout(r, Number(faults.api_delay_ms)));
      if (faults.api_shed) {
        status = 503;
        log('WARN', 'request shed (lab fault api_shed)');
        return send(res, status, { error: 'overloaded' });
      }
      const r = await pool.query('SELECT id, name FROM product_option_group ORDER BY id LIMIT 20');
      return send(res, status, { groups: r.rows });
    } catch (e) {
      status = 500;
      log('ERROR', `GET /api/menu: ${e.message}`);
      return send(res, status, { error: 'internal' });
    } finally {
      end();
      requests.inc({ route: p, status: String(status) });
    }
  }
  if (p === '/api/admin/sync-iiko' && req.method === 'POST') {
    await iikoOnce();
    return send(res, 202, { status: 'started' });
  }
  return send(res, 404, { error: 'not found' });
}

const server = http.createServer((req, res) => {
  route(req, res).catch((e) => {
    log('ERROR', `${req.method} ${req.url}: ${e.message}`);
    if (!res.headersSent) send(res, 500, { error: 'internal' });
  });
});
server.listen(PORT, HOST, () => {
  log('INFO', `ctea-platform listening on ${HOST}:${PORT} (NODE_ENV=${env.NODE_ENV})`);
  if (process.send) process.send('ready');
});
function shutdown() {
  server.close();
  Promise.allSettled([pool.end(), redis.quit(), ...held.map((c) => c.end())]).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
