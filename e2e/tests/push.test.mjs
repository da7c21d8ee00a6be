// §7 Push notifications through a fake Expo service: who gets which push,
// with what data, and what DeviceNotRegistered does to a user's token.

import assert from 'node:assert/strict';

import { fixture, minutesFromNow, rejects, sleep, waitUntil } from '../lib/circly.mjs';
import { PUSH_TIMEOUT_MS, QUIET_MS, circleWithTokens, pushServer, pushesTo, recipients } from '../lib/push.mjs';
import { randomToken } from '../lib/server.mjs';

let server;
let expo;
const test = pushServer((s, e) => {
  server = s;
  expo = e;
});

test('a new poll is announced to every member but its creator', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤', '지호']);
  const [creator, ...others] = people;
  const poll = await world.poll(creator.pb, circle);

  const where = { kind: 'poll_started', poll: poll.id };
  const pushes = await pushesTo(expo, others, where);
  for (const person of others) {
    const [push, ...more] = pushes[person.token];
    assert.deepEqual(more, [], `one announcement for ${person.nickname}`);
    assert.deepEqual(push.data, { kind: 'poll_started', poll: poll.id, circle: circle.id });
    assert.ok(push.title.includes(circle.name), `the title names the circle: ${push.title}`);
    assert.ok(push.body.includes(poll.question_text), `the body is the question: ${push.body}`);
    assert.ok(typeof push.ttl === 'number' && push.ttl > 0 && push.ttl <= 2 * 3600, `expires by the deadline (${push.ttl})`);
  }
  await sleep(QUIET_MS);
  assert.deepEqual(recipients(expo, where, people), others.map((p) => p.nickname).sort(), 'nobody else, and only once');
  assert.deepEqual(expo.find({ poll: poll.id }).filter((m) => m.data.kind !== 'poll_started'), [],
    'nothing else is due yet');
});

test('results go to every member when the poll closes', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤', '지호']);
  const [a, b, c, d] = people;
  const poll = await world.poll(a.pb, circle);
  const options = await world.options(a.pb, poll);
  await world.vote(a.pb, poll, options, '서준');
  await world.vote(b.pb, poll, options, '하윤');
  await world.vote(c.pb, poll, options, '서준');

  // polls cannot be updated by users; a superuser moves the deadline into the past
  const su = await world.admin();
  await su.collection('polls').update(poll.id, { deadline: minutesFromNow(-0.05) });

  const where = { kind: 'results', poll: poll.id };
  const pushes = await pushesTo(expo, people, where);
  for (const person of people) {
    // three votes reach the threshold: the counts are revealed
    assert.deepEqual(pushes[person.token][0].data, { kind: 'results', poll: poll.id, circle: circle.id, revealed: true });
  }
  const closed = await a.pb.collection('polls').getOne(poll.id);
  assert.equal(closed.status, 'closed', 'the dispatcher closed the poll');
  const r = await world.results(b.pb, poll);
  assert.equal(r.status, 'closed');
  assert.equal(r.total_votes, 3);
  const err = await rejects(world.vote(d.pb, poll, options, '서준'), 400, 'a vote on a closed poll');
  assert.match(err.response.message, /closed/i);

  await sleep(QUIET_MS);
  assert.deepEqual(recipients(expo, where, people), people.map((p) => p.nickname).sort(), 'everyone, once');
  assert.deepEqual(expo.find({ poll: poll.id }).filter((m) => m.data.kind.startsWith('reminder')), [],
    'no reminder for a closed poll');
});

test('the 1-hour reminder reaches only members who have not voted', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤', '지호', '도윤']);
  const [creator, b, c, d, e] = people;
  const poll = await world.poll(creator.pb, circle, { deadline: minutesFromNow(120) });
  const options = await world.options(creator.pb, poll);
  await world.vote(b.pb, poll, options, '하윤');
  await world.vote(c.pb, poll, options, '지호');

  // the deadline is moved to 50 minutes ahead, so the 1-hour reminder is due now
  const su = await world.admin();
  await su.collection('polls').update(poll.id, { deadline: minutesFromNow(50) });

  const where = { kind: 'reminder_1h', poll: poll.id };
  const nonVoters = [creator, d, e];
  const pushes = await pushesTo(expo, nonVoters, where);
  for (const person of nonVoters) {
    const [push] = pushes[person.token];
    assert.deepEqual(push.data, { kind: 'reminder_1h', poll: poll.id, circle: circle.id });
    assert.ok(push.body.includes(poll.question_text), `the body names the question: ${push.body}`);
  }
  await sleep(QUIET_MS);
  assert.deepEqual(recipients(expo, where, people), nonVoters.map((p) => p.nickname).sort(),
    'each non-voter once (the creator included), no voter');
  assert.deepEqual(expo.find({ kind: 'reminder_10m', poll: poll.id }), [], 'the 10-minute reminder is not due yet');
});

test('DeviceNotRegistered, in a ticket or in a receipt, clears that user\'s push token', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤', '지호']);
  const [creator, goneAtSend, goneAtReceipt, fine] = people;
  expo.deadAtSend(goneAtSend.token);
  expo.deadAtReceipt(goneAtReceipt.token);

  const poll = await world.poll(creator.pb, circle);
  await pushesTo(expo, [goneAtSend, goneAtReceipt, fine], { kind: 'poll_started', poll: poll.id });

  const tokenOf = async (person) => (await person.pb.collection('users').getOne(person.pb.me.id)).push_token;
  await waitUntil(async () => (await tokenOf(goneAtSend)) === '', {
    what: 'the token refused at send to be cleared',
    timeoutMs: PUSH_TIMEOUT_MS,
  });
  await waitUntil(async () => (await tokenOf(goneAtReceipt)) === '', {
    what: 'the token refused in its receipt to be cleared',
    timeoutMs: PUSH_TIMEOUT_MS,
  });
  assert.ok(expo.receiptRequests().length > 0, 'receipts were fetched');
  assert.equal(await tokenOf(fine), fine.token, 'a working token stays');
  assert.equal(await tokenOf(creator), creator.token, 'the creator\'s token stays');

  // the app registers a new token: it is used again
  const fresh = `ExponentPushToken[${randomToken(22)}]`;
  await goneAtSend.pb.collection('users').update(goneAtSend.pb.me.id, { push_token: fresh });
  const next = await world.poll(creator.pb, circle);
  await expo.waitFor(() => expo.find({ kind: 'poll_started', poll: next.id, to: fresh }).length === 1, {
    timeoutMs: PUSH_TIMEOUT_MS,
    what: 'the announcement to the new token',
  });
  assert.deepEqual(expo.find({ poll: next.id, to: goneAtSend.token }), [], 'nothing goes to the cleared token');
  assert.deepEqual(expo.find({ poll: next.id, to: goneAtReceipt.token }), [], 'nor to the other cleared token');
});
