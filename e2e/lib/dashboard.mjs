// PocketBase's dashboard (/_/) in headless Chromium, signed in as the
// server's superuser, for tests that act as an operator would.

import { launchBrowser } from './browser.mjs';

/** A desktop-sized viewport: the dashboard is an operator's desktop tool. */
export const DESKTOP_VIEWPORT = { width: 1400, height: 1000 };

/**
 * Launches Chromium and signs in at /_/ with the server's superuser.
 * Returns {browser, page, writes, pageErrors, close}: `writes` records every
 * POST/PATCH/DELETE the dashboard sends to the API ({method, url, body}).
 */
export async function openDashboard(server) {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: DESKTOP_VIEWPORT, locale: 'ko-KR' });
    const page = await context.newPage();
    const writes = [];
    page.on('request', (request) => {
      if (request.method() === 'GET' || !request.url().includes('/api/')) return;
      let body = request.postData();
      try {
        body = JSON.parse(body);
      } catch {
        // not JSON (multipart): kept as text
      }
      writes.push({ method: request.method(), url: request.url(), body });
    });
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));

    await page.goto(`${server.url}/_/`);
    await page.fill('#login_identity', server.adminEmail);
    await page.fill('#login_pass', server.adminPassword);
    await page.click('form.auth-with-password-form button.next');
    await page.waitForURL(/#\/collections/);
    return { browser, page, writes, pageErrors, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/**
 * Opens a collection's records list in the dashboard. The SPA switches
 * collections after the hash changes, and until the page names this one the
 * header's buttons still act on the previous one; right after signing in it
 * can also still be settling on the collection it opens by itself and
 * replace the hash again. So it sets the hash again while the page does not
 * name the collection (up to four tries).
 */
export async function openCollection(page, server, name) {
  for (let attempt = 1; ; attempt++) {
    await page.goto(`${server.url}/_/#/collections?collection=${encodeURIComponent(name)}`);
    try {
      await page.waitForFunction((n) => document.title.includes(n), name, { timeout: 7_500 });
      break;
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }
  await page.locator('button.new-record-btn').waitFor();
}

/**
 * Opens the new-record form from the collection's header button and waits
 * until `field` (a selector inside the form) is visible. A click that lands
 * while the list is still loading can be lost, so it clicks again while no
 * form shows (up to four tries) before giving up. Returns the form's modal.
 */
export async function openNewRecordForm(page, field) {
  const modal = page.locator('.record-upsert-modal');
  for (let attempt = 1; ; attempt++) {
    if (!(await modal.isVisible())) await page.locator('button.new-record-btn').click();
    try {
      await modal.locator(field).waitFor({ state: 'visible', timeout: 7_500 });
      return modal;
    } catch (err) {
      if (attempt >= 4) throw err;
    }
  }
}
