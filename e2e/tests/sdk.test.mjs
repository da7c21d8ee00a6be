// @ts-check
// The typed client (sdk/, `@circly/sdk`) against the real server: one
// whole story through its calls, from device login to the inbox. This file
// is type-checked against the client's types (`npm test` in sdk/ runs
// `tsc` over it), so a call whose body or answer changes shape fails there
// before it fails here.

import assert from 'node:assert/strict';

import { Circly } from '../../sdk/dist/index.js';
import { fixture, minutesFromNow, rejects, sharedServer, waitUntil } from '../lib/circly.mjs';
import { randomToken } from '../lib/server.mjs';

/** @typedef {import('../../sdk/dist/index.js').TypedPocketBase} TypedPocketBase */

/** @type {{ url: string }} */
let server;
// the dispatcher closes overdue polls every second
const test = sharedServer({ env: { CIRCLY_DISPATCH_INTERVAL: '1' } }, (/** @type {any} */ s) => (server = s));

/** A new device's credentials, as the app makes them once and keeps. */
const newDevice = () => ({ device_id: `sdk-${randomToken(20)}`, device_secret: randomToken(48) });

/**
 * A phone: a PocketBase client typed with Circly's collections and the
 * typed client over it.
 * @param {ReturnType<typeof fixture>} world
 */
function phone(world) {
  const pb = /** @type {TypedPocketBase} */ (world.anonymous());
  return { pb, circly: new Circly(pb) };
}

/**
 * A phone signed in as a new device user (tracked for clean-up).
 * @param {ReturnType<typeof fixture>} world
 */
async function signedIn(world) {
  const p = phone(world);
  const auth = await p.circly.deviceLogin(newDevice());
  world.trackUser(auth.record.id);
  assert.equal(auth.meta.created, true);
  assert.equal(p.pb.authStore.record?.id, auth.record.id, 'device login keeps the token in the auth store');
  return { ...p, me: auth.record };
}

test('a whole story through the typed client: login, circle, join, poll, votes, results, feed, inbox', async (/** @type {import('node:test').TestContext} */ t) => {
  const world = fixture(t, server);
  const [minji, seojun, hayun, jiho] = [await signedIn(world), await signedIn(world), await signedIn(world), await signedIn(world)];

  // §2 a circle, its preview and three joins (by code in any case, by link)
  const circle = world.track(await minji.circly.createCircle({ name: '토요 모임', nickname: '민지' }));
  assert.equal(circle.creator, minji.me.id);
  assert.equal(circle.member_count, 1);
  const preview = await phone(world).circly.invitePreview(circle.invite_link_id);
  assert.deepEqual(preview, {
    circle_name: '토요 모임', hidden: false, member_count: 1, max_members: 50, invite_expires_at: circle.invite_expires_at,
  });

  const joined = await seojun.circly.join({ invite_code: circle.invite_code.toLowerCase(), nickname: '서준' });
  assert.equal(joined.circle.id, circle.id);
  assert.equal(joined.member.nickname, '서준');
  assert.equal(joined.member.is_active, true);
  await hayun.circly.join({ invite_link_id: circle.invite_link_id, nickname: '하윤' });
  const again = await seojun.circly.join({ invite_code: circle.invite_code, nickname: '서준' });
  assert.equal(again.member.id, joined.member.id, 'joining is idempotent');
  const jihoJoin = await jiho.circly.join({ invite_code: circle.invite_code, nickname: '지호' });
  assert.equal(jihoJoin.circle.member_count, 4);

  // §4 a poll from the most used template; the typed collections read it
  const { items: [template] } = await minji.pb.collection('templates').getList(1, 1, { sort: '-usage_count' });
  const poll = await minji.circly.createPoll({ circle: circle.id, template: template.id, deadline: minutesFromNow(60) });
  assert.equal(poll.status, 'open');
  assert.equal(poll.question_text, template.question_text);
  const options = await minji.pb.collection('options').getFullList({ filter: minji.pb.filter('poll = {:id}', { id: poll.id }), sort: 'order' });
  assert.deepEqual(options.map((o) => o.nickname), ['서준', '하윤', '지호']);
  const optionOf = (/** @type {string} */ nickname) => {
    const option = options.find((o) => o.nickname === nickname);
    assert.ok(option, `an option for ${nickname}`);
    return option.id;
  };

  // §5 votes; counts stay hidden until 3 are in (§6)
  const vote = await minji.circly.vote({ poll: poll.id, option: optionOf('서준') });
  assert.deepEqual(vote, { collectionId: vote.collectionId, collectionName: 'votes', poll: poll.id, option: optionOf('서준') });
  const refused = await rejects(jiho.circly.vote({ poll: poll.id, option: optionOf('지호') }), 400, 'a vote for oneself');
  assert.equal(refused.response.data.option.code, 'validation_self_vote');
  await seojun.circly.vote({ poll: poll.id, option: optionOf('하윤') });
  const early = await hayun.circly.results(poll.id);
  assert.equal(early.total_votes, 2);
  assert.equal(early.revealed, false);
  assert.ok(early.options.every((o) => o.votes === null && o.percent === null));
  await hayun.circly.vote({ poll: poll.id, option: optionOf('서준') });

  const results = await jiho.circly.results(poll.id);
  assert.equal(results.poll, poll.id);
  assert.equal(results.status, 'open');
  assert.equal(results.total_votes, 3);
  assert.equal(results.revealed, true);
  assert.equal(results.voted, false);
  assert.deepEqual(results.options.map((o) => [o.nickname, o.votes, o.percent]), [['서준', 2, 66.7], ['하윤', 1, 33.3], ['지호', 0, 0]]);
  assert.equal((await minji.circly.results(poll.id)).voted, true);

  // §9 the feed: who may still vote
  const jihoFeed = await jiho.circly.feed({ status: 'open' });
  assert.equal(jihoFeed.totalItems, 1);
  assert.equal(jihoFeed.items[0].poll.id, poll.id);
  assert.equal(jihoFeed.items[0].circle_name, '토요 모임');
  assert.deepEqual([jihoFeed.items[0].voted, jihoFeed.items[0].can_vote], [false, true]);
  const seojunFeed = await seojun.circly.feed();
  assert.deepEqual([seojunFeed.items[0].voted, seojunFeed.items[0].can_vote], [true, false]);
  assert.deepEqual([seojunFeed.page, seojunFeed.perPage], [1, 20]);

  // the deadline passes (a superuser moves it; the server closes the poll)
  const su = await world.admin();
  await su.collection('polls').update(poll.id, { deadline: minutesFromNow(-1) });
  await waitUntil(async () => (await minji.circly.results(poll.id)).status === 'closed', { what: 'the poll to close' });
  assert.equal((await jiho.circly.feed({ status: 'closed' })).items[0].poll.status, 'closed');

  // §9 the inbox of the one picked most
  const inbox = await seojun.circly.picks({ page: 1, perPage: 10 });
  assert.equal(inbox.totalItems, 1);
  assert.deepEqual(inbox.items[0], {
    poll: poll.id, question_text: poll.question_text, circle: circle.id, circle_name: '토요 모임', circle_hidden: false,
    deadline: inbox.items[0].deadline, votes: 2, total_votes: 3,
  });
  assert.equal((await jiho.circly.picks()).totalItems, 0);

  // §2 a new invite, a removal, a leave
  const renewed = await minji.circly.newInvite(circle.id);
  assert.notEqual(renewed.invite_code, circle.invite_code);
  await rejects(phone(world).circly.invitePreview(circle.invite_link_id), 404, 'the old link');
  const afterRemove = await minji.circly.removeMember(circle.id, jihoJoin.member.id);
  assert.equal(afterRemove.member_count, 3);
  assert.equal(await hayun.circly.leave(circle.id), undefined);
  assert.equal((await minji.pb.collection('circles').getOne(circle.id)).member_count, 2);
});

test('account continuity through the typed client: transfer and recovery keep the same user', async (/** @type {import('node:test').TestContext} */ t) => {
  const world = fixture(t, server);
  const old = await signedIn(world);

  const { code, expires_at } = await old.circly.newTransferCode();
  assert.match(code, /^[A-HJ-NP-Z2-9]{10}$/);
  assert.ok(Date.parse(expires_at.replace(' ', 'T')) > Date.now());
  const moved = phone(world);
  const redeemed = await moved.circly.redeemTransfer({ code, ...newDevice() });
  assert.equal(redeemed.record.id, old.me.id);
  assert.equal(redeemed.meta.created, false);
  assert.equal(moved.pb.authStore.record?.id, old.me.id, 'redeem keeps the token in the auth store');

  const { recovery_code } = await moved.circly.newRecoveryCode();
  const recovered = phone(world);
  const back = await recovered.circly.recover({ recovery_code, ...newDevice() });
  assert.equal(back.record.id, old.me.id);
  assert.equal((await recovered.pb.collection('users').getOne(old.me.id)).id, old.me.id);
});

test('the generic call sends a route by name and refuses a path parameter left out', async (/** @type {import('node:test').TestContext} */ t) => {
  const world = fixture(t, server);
  const me = await signedIn(world);
  const page = await me.circly.call('feed', { query: { perPage: 5 } });
  assert.deepEqual([page.page, page.perPage, page.totalItems, page.items], [1, 5, 0, []]);
  const err = await rejects(me.circly.call('feed', { query: { perPage: 500 } }), 400, 'a page too large');
  assert.equal(err.response.data.perPage.code, 'validation_max_number_constraint');
  assert.throws(() => me.circly.call('results', /** @type {any} */ ({})), /missing path parameter id/);
});
