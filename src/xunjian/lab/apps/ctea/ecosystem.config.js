// pm2's description of the lab's CTEA platform (runbook 004): `ctea-platform` (server.js) with
// its environment from the deployed .env (as the runbook's §1.3 checklist names it), and the
// partners' stand-ins. pm2 keeps every variable: `pm2 jlist` prints them all.
'use strict';

const fs = require('fs');
const path = require('path');

const current = process.env.CTEA_APP_DIR;
const dotenv = {};
for (const line of fs.readFileSync(path.join(current, '.env'), 'utf8').split('\n')) {
  const m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/);
  if (m) dotenv[m[1]] = m[2];
}
const lab = { HOST: process.env.CTEA_HOST, CTEA_FAULTS: process.env.CTEA_FAULTS };

module.exports = {
  apps: [
    {
      name: 'ctea-platform',
      script: path.join(current, 'server.js'),
      cwd: current,
      env: { ...dotenv, ...lab, PORT: '3000', APP_LOG: process.env.CTEA_APP_LOG },
      autorestart: true,
      log_date_format: 'YYYY-MM-DD HH:mm:ss',
      kill_timeout: 4000,
    },
    {
      name: 'ctea-standins',
      script: path.join(current, 'standins.js'),
      cwd: current,
      env: { ...lab, IIKO_PORT: process.env.CTEA_IIKO_PORT, PAYMENT_PORT: process.env.CTEA_PAYMENT_PORT },
      autorestart: true,
      log_date_format: 'YYYY-MM-DD HH:mm:ss',
    },
  ],
};
