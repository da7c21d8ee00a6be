// Screenshots of the invite landing page on a phone, taken from a real Circly
// server: screenshots/join-valid.png, join-expired.png and join-notfound.png
// under the repository root.
//
//   node e2e/screenshot.mjs            (or: npm --prefix e2e run screenshot)
//
// Set SCREENSHOT_COLOR_SCHEME=dark for the dark theme.

import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { launchBrowser, newMobilePage, waitForInviteState } from './lib/browser.mjs';
import { REPO_ROOT, adminClient, deviceLogin, newClient, randomToken, startServer } from './lib/server.mjs';

const outDir = path.join(REPO_ROOT, 'screenshots');
const colorScheme = process.env.SCREENSHOT_COLOR_SCHEME === 'dark' ? 'dark' : 'light';

async function capture(browser, server, pathname, expectedState, file) {
  const { page, context, foreignRequests } = await newMobilePage(browser, server.url, { colorScheme });
  try {
    await page.goto(server.url + pathname, { waitUntil: 'domcontentloaded' });
    const state = await waitForInviteState(page);
    if (state !== expectedState) throw new Error(`${pathname}: expected state ${expectedState}, got ${state}`);
    await page.evaluate(() => document.fonts.ready);
    const target = path.join(outDir, file);
    await page.screenshot({ path: target, animations: 'disabled' });
    if (foreignRequests.length) throw new Error(`${pathname}: requests to other origins: ${foreignRequests.join(', ')}`);
    console.log(`${path.relative(REPO_ROOT, target)}  (${state})`);
  } finally {
    await context.close();
  }
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const server = await startServer();
  let browser;
  try {
    browser = await launchBrowser();

    const user = newClient(server.url);
    await deviceLogin(user);
    const circle = await user.collection('circles').create({ name: '주말 등산 모임', nickname: '민지' });
    const invitePath = `/join/${circle.invite_link_id}`;

    await capture(browser, server, invitePath, 'valid', 'join-valid.png');

    const admin = await adminClient(server);
    await admin.collection('circles').update(circle.id, { invite_expires_at: '2020-01-01 00:00:00.000Z' });
    await capture(browser, server, invitePath, 'expired', 'join-expired.png');

    await capture(browser, server, `/join/${randomToken(24)}`, 'notfound', 'join-notfound.png');
  } catch (err) {
    console.error(err);
    console.error(`\nServer output (end):\n${server.output().slice(-4000)}`);
    process.exitCode = 1;
  } finally {
    await browser?.close();
    await server.stop();
  }
}

await main();
