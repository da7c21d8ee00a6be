// The invite landing page (/join/{invite_link_id}) in headless Chromium,
// against a real Circly server: valid, expired and unknown invites.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newMobilePage, waitForInviteState } from '../lib/browser.mjs';
import { adminClient, deviceLogin, newClient, randomToken, startServer } from '../lib/server.mjs';

const CIRCLE_NAME = '주말 등산 모임';
const TEST_TIMEOUT_MS = 60_000;

let server;
let browser;
let user;
let circle;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  user = newClient(server.url);
  await deviceLogin(user);
  circle = await user.collection('circles').create({ name: CIRCLE_NAME, nickname: '민지' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Re-throws with the end of the server's output, which usually says why. */
async function withServerOutput(fn) {
  try {
    return await fn();
  } catch (err) {
    if (server && err instanceof Error) err.message += `\n\nServer output (end):\n${server.output().slice(-4000)}`;
    throw err;
  }
}

/** Opens a landing page path in a phone-sized page and waits for its final state. */
async function openLanding(pathname, run) {
  const session = await newMobilePage(browser, server.url);
  try {
    const response = await session.page.goto(server.url + pathname, { waitUntil: 'domcontentloaded' });
    assert.equal(response.status(), 200, `GET ${pathname} should serve the landing page`);
    const state = await waitForInviteState(session.page);
    await run({ ...session, state });
    assert.deepEqual(session.foreignRequests, [], 'the page must only load from its own origin');
    assert.deepEqual(session.pageErrors, [], 'the page must run without script errors');
  } finally {
    await session.context.close();
  }
}

test('a valid invite shows the circle, its members, the expiry and the app link', { timeout: TEST_TIMEOUT_MS }, () =>
  withServerOutput(async () => {
    const id = circle.invite_link_id;
    assert.ok(typeof id === 'string' && id.length >= 22, `invite_link_id should be filled in (${id})`);

    await openLanding(`/join/${id}`, async ({ page, state, requests }) => {
      assert.equal(state, 'valid');
      assert.ok(
        requests.some((url) => new URL(url).pathname === `/api/circly/invites/${id}`),
        'the page should ask the preview API for this invite',
      );

      const name = page.locator('#circle-name');
      assert.ok(await name.isVisible());
      assert.equal((await name.innerText()).trim(), CIRCLE_NAME);

      const members = (await page.locator('#member-count').innerText()).trim();
      assert.match(members, /1\/50/);
      assert.equal(members, '멤버 1/50명');

      const remaining = (await page.locator('#expiry-remaining').innerText()).trim();
      assert.match(remaining, /^(\d+시간( \d+분)?|\d+분) 후 만료$/, `remaining time: ${remaining}`);
      assert.match(remaining, /시간/, 'a fresh invite has about 24 hours left');
      const expiresAt = page.locator('#expiry-at');
      assert.match(await expiresAt.innerText(), /\d+월 \d+일.*까지$/);
      const expected = new Date(circle.invite_expires_at.replace(' ', 'T')).toISOString();
      assert.equal(await expiresAt.getAttribute('datetime'), expected);

      const button = page.locator('#open-app');
      assert.ok(await button.isVisible());
      assert.equal((await button.innerText()).trim(), '앱에서 열기');
      assert.equal(await button.getAttribute('href'), `circly://join/${encodeURIComponent(id)}`);

      const visible = await page.locator('#state-valid').innerText();
      assert.match(visible, /앱이 아직 없나요\?/);
      assert.equal(await page.locator('#state-expired').isVisible(), false);
      assert.equal(await page.locator('#state-notfound').isVisible(), false);
      assert.match(await page.title(), new RegExp(CIRCLE_NAME));
    });
  }),
);

test('a circle name is shown as text, never as markup', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withServerOutput(async () => {
    const name = '<b>굵게</b> & "따옴표"';
    const marked = await user.collection('circles').create({ name, nickname: '민지' });

    await openLanding(`/join/${marked.invite_link_id}`, async ({ page, state }) => {
      assert.equal(state, 'valid');
      assert.equal((await page.locator('#circle-name').innerText()).trim(), name);
      assert.equal(await page.locator('#circle-name b').count(), 0);
    });
  }),
);

test('emoji in a circle name are drawn in colour, as a phone draws them', { timeout: TEST_TIMEOUT_MS }, () =>
  withServerOutput(async () => {
    const festive = await user.collection('circles').create({ name: '🎉 생일 모임', nickname: '민지' });

    await openLanding(`/join/${festive.invite_link_id}`, async ({ page, state }) => {
      assert.equal(state, 'valid');
      // draw the emoji with the heading's font: a colour emoji font gives
      // coloured pixels; without one it is a monochrome box (tofu) or nothing
      const coloured = await page.evaluate(() => {
        const style = getComputedStyle(document.getElementById('circle-name'));
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 64;
        const ctx = canvas.getContext('2d');
        ctx.font = `48px ${style.fontFamily}`;
        ctx.textBaseline = 'top';
        ctx.fillStyle = '#000';
        ctx.fillText('🎉', 4, 4);
        const px = ctx.getImageData(0, 0, 64, 64).data;
        let n = 0;
        for (let i = 0; i < px.length; i += 4) {
          const [r, g, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
          if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
        }
        return n;
      });
      assert.ok(coloured > 100, `the emoji should be drawn in colour (${coloured} coloured pixels); is an emoji font (fonts-noto-color-emoji) installed?`);
    });
  }),
);

test('an expired invite says so and asks for a new link', { timeout: TEST_TIMEOUT_MS }, () =>
  withServerOutput(async () => {
    const admin = await adminClient(server);
    await admin.collection('circles').update(circle.id, { invite_expires_at: '2020-01-01 00:00:00.000Z' });

    const api = await fetch(`${server.url}/api/circly/invites/${circle.invite_link_id}`);
    assert.equal(api.status, 410, 'the preview API answers 410 for an expired invite');

    await openLanding(`/join/${circle.invite_link_id}`, async ({ page, state }) => {
      assert.equal(state, 'expired');
      const panel = page.locator('#state-expired');
      assert.ok(await panel.isVisible());
      assert.equal((await panel.locator('h1').innerText()).trim(), '초대가 만료되었어요');
      assert.match(await panel.innerText(), /새 초대 링크/);
      assert.equal(await page.locator('#open-app').isVisible(), false);
      assert.equal(await page.locator('#state-valid').isVisible(), false);
    });
  }),
);

test('an unknown invite is not found', { timeout: TEST_TIMEOUT_MS }, () =>
  withServerOutput(async () => {
    const unknown = randomToken(24);
    const api = await fetch(`${server.url}/api/circly/invites/${unknown}`);
    assert.equal(api.status, 404, 'the preview API answers 404 for an unknown invite');

    await openLanding(`/join/${unknown}`, async ({ page, state }) => {
      assert.equal(state, 'notfound');
      const panel = page.locator('#state-notfound');
      assert.ok(await panel.isVisible());
      assert.equal((await panel.locator('h1').innerText()).trim(), '초대를 찾을 수 없어요');
      assert.equal(await page.locator('#open-app').isVisible(), false);
    });
  }),
);

test('a malformed invite id is not found without asking the API', { timeout: TEST_TIMEOUT_MS }, () =>
  withServerOutput(async () => {
    await openLanding('/join/%3Cscript%3E', async ({ page, state, requests }) => {
      assert.equal(state, 'notfound');
      assert.equal((await page.locator('#state-notfound h1').innerText()).trim(), '초대를 찾을 수 없어요');
      assert.ok(!requests.some((url) => new URL(url).pathname.startsWith('/api/')), 'no API call for a bad id');
    });
  }),
);

test('the home page says what Circly is', { timeout: TEST_TIMEOUT_MS }, () =>
  withServerOutput(async () => {
    const session = await newMobilePage(browser, server.url);
    try {
      const response = await session.page.goto(`${server.url}/`);
      assert.equal(response.status(), 200);
      assert.equal(await session.page.getAttribute('html', 'lang'), 'ko');
      assert.match(await session.page.locator('h1').innerText(), /칭찬 투표/);
      assert.deepEqual(session.foreignRequests, []);
    } finally {
      await session.context.close();
    }
  }),
);
