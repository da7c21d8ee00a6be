// Headless Chromium for the page tests, driven by playwright-core against the
// system browser (no browser download).

import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Path of the Chromium binary; CHROMIUM_PATH overrides the Debian default. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** A phone-sized viewport (iPhone 12–15 class). */
export const MOBILE_VIEWPORT = { width: 390, height: 844 };

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium with a fresh profile. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}; install it (apt-get install -y chromium) or set CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_ARGS });
}

/**
 * Opens a page in a new phone-sized context. Every request the page makes is
 * recorded; `foreignRequests` lists those that went to another origin than
 * `origin` (custom schemes such as circly:// are never requested).
 */
export async function newMobilePage(browser, origin, { colorScheme = 'light' } = {}) {
  const context = await browser.newContext({
    viewport: MOBILE_VIEWPORT,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'ko-KR',
    timezoneId: 'Asia/Seoul',
    colorScheme,
  });
  const page = await context.newPage();
  const expected = new URL(origin).origin;
  const requests = [];
  const foreignRequests = [];
  page.on('request', (request) => {
    const url = request.url();
    requests.push(url);
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== expected) foreignRequests.push(url);
  });
  // Uncaught exceptions in the page's own scripts (failed fetches are not counted).
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  return { context, page, requests, foreignRequests, pageErrors };
}

/** Waits until the invite card has left the loading state and returns the state. */
export async function waitForInviteState(page, timeout = 15000) {
  await page.waitForFunction(
    () => {
      const root = document.getElementById('invite');
      return root && root.dataset.state && root.dataset.state !== 'loading';
    },
    null,
    { timeout },
  );
  return page.getAttribute('#invite', 'data-state');
}
