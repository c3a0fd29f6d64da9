// Runs the browser tests with one Chromium for all of them: it is started
// here, once, and each test file connects to it (helpers.js launchBrowser)
// instead of starting its own. Arguments go to `node --test`.

import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { CHROMIUM_OPTIONS } from './helpers.js';

const server = await chromium.launchServer(CHROMIUM_OPTIONS);
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, NATTER_E2E_BROWSER: server.wsEndpoint() },
});
const code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await server.close();
process.exit(code);
