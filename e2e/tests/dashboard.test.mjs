// The operator's dashboard (/_/) in headless Chromium against the real
// binary (API.md §12): a template added without touching is_active is
// offered to users, and the outbox list shows each row's poll question.

import assert from 'node:assert/strict';

import { fixture, sharedServer, waitUntil } from '../lib/circly.mjs';
import { openCollection, openDashboard, openNewRecordForm } from '../lib/dashboard.mjs';
import { randomToken } from '../lib/server.mjs';

let server;
const test = sharedServer({}, (s) => {
  server = s;
});

test('a template made in the dashboard is offered to users, and the outbox shows its question', async (t) => {
  const world = fixture(t, server);
  const question = `대시보드에서 추가한 질문 ${randomToken(6)}?`;
  const dash = await openDashboard(server);
  t.after(() => dash.close());
  const { page } = dash;

  // New record: question and category only; the is_active switch is left alone
  await openCollection(page, server, 'templates');
  const modal = await openNewRecordForm(page, 'textarea[name="question_text"]');
  await modal.locator('textarea[name="question_text"]').fill(question);
  await modal.locator('.field-type-select .selected-container').click();
  await modal.locator('.dropdown-item.select-option', { hasText: /^fun$/ }).click();
  assert.equal(await modal.locator('input[name="is_active"]').isChecked(), false, 'the switch is left off, as a new form shows it');
  await modal.getByRole('button', { name: /^Create$/ }).click();
  await modal.waitFor({ state: 'detached' });

  const create = dash.writes.find((w) => w.method === 'POST' && w.url.includes('/api/collections/templates/records'));
  assert.ok(create, 'the dashboard sent the create');
  // what the server's rule builds on: an untouched switch is not sent at all
  assert.equal('is_active' in create.body, false, `the form sent ${JSON.stringify(create.body)}`);
  const admin = await world.admin();
  const stored = await admin.collection('templates').getFirstListItem(`question_text = "${question}"`);
  t.after(() => admin.collection('templates').delete(stored.id));
  assert.equal(stored.is_active, true, `a template made without touching is_active is active (the form sent ${JSON.stringify(create.body)})`);
  assert.equal(stored.category, 'fun');
  assert.equal(stored.usage_count, 0);

  // a device user is offered it, and starts a poll with it
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤']);
  const user = people[0].pb;
  const offered = await user.collection('templates').getList(1, 50, { filter: `category = "fun" && question_text = "${question}"` });
  assert.deepEqual(offered.items.map((it) => it.id), [stored.id], 'the new template is listed for users');
  const poll = await world.poll(user, circle, { template: stored.id });
  assert.equal(poll.question_text, question);

  // the outbox list names the poll by its question, not a bare id
  await waitUntil(async () => (await admin.collection('notifications').getList(1, 1, { filter: `poll = "${poll.id}"` })).totalItems > 0,
    { what: 'the outbox rows of the poll' });
  await openCollection(page, server, 'notifications');
  // the poll column itself (title and body carry the question too)
  const pollCell = page.locator('tbody tr td.col-field-name-poll', { hasText: question }).first();
  await pollCell.waitFor({ timeout: 10_000 });
  const text = await pollCell.innerText();
  assert.ok(text.includes(question), `the poll cell shows the question: ${text}`);
  assert.deepEqual(dash.pageErrors, [], 'the dashboard ran without script errors');
});
