// Stand-ins for the CTEA platform's outside partners (runbook 004): the IIKO API and the payment
// gateway, each a small http server on the app host. Their health is broken through the lab
// fault file $CTEA_FAULTS (read on every request), e.g.
//   {"iiko_health": 503, "iiko_sync": 500, "payment_health": 503, "payment_charge": 402}
'use strict';

const fs = require('fs');
const http = require('http');

const HOST = process.env.HOST || '127.0.0.1';

function faults() {
  try {
    return JSON.parse(fs.readFileSync(process.env.CTEA_FAULTS, 'utf8')) || {};
  } catch (e) {
    return {};
  }
}

function serve(port, routes) {
  http.createServer((req, res) => {
    req.resume();
    const url = new URL(req.url, `http://${HOST}`);
    const handler = routes[url.pathname];
    const [status, body] = handler ? handler(faults()) : [404, { error: 'not found' }];
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }).listen(port, HOST);
}

const ok = (code, body) => (code ? [Number(code), { error: `lab fault ${code}` }] : [200, body]);

serve(Number(process.env.IIKO_PORT), {
  '/health': (f) => ok(f.iiko_health, { status: 'ok' }),
  '/api/1/access_token': (f) => ok(f.iiko_health, { token: 'lab' }),
  '/api/1/nomenclature': (f) => ok(f.iiko_sync, { products: 214 }),
});
serve(Number(process.env.PAYMENT_PORT), {
  '/health': (f) => ok(f.payment_health, { status: 'ok' }),
  '/charge': (f) => ok(f.payment_charge, { status: 'PAID' }),
});
