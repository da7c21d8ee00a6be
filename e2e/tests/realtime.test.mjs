// §6 Live updates over PocketBase realtime (SSE), as the app subscribes:
// option counts only once revealed, poll totals and status, to the poll's
// readers only (the circle's members and the poll's electorate).

import assert from 'node:assert/strict';

import { fixture, minutesFromNow, sharedServer, sleep, waitUntil } from '../lib/circly.mjs';

// how long "nothing arrives" is watched for
const QUIET_MS = 1_500;
// after a poll event, how long option events of the same vote may trail it
const SETTLE_MS = 300;

let server;
// the dispatcher closes overdue polls every second
const test = sharedServer({ env: { CIRCLY_DISPATCH_INTERVAL: '1' } }, (s) => (server = s));

/** Subscribes pb the way the app does and records what arrives. */
async function watch(pb, poll) {
  const seen = { options: [], polls: [] };
  await pb.collection('options').subscribe('*', (e) => seen.options.push(e), { filter: `poll="${poll.id}"` });
  await pb.collection('polls').subscribe(poll.id, (e) => seen.polls.push(e));
  return seen;
}

const counts = (events) => events.map((e) => [e.record.nickname, e.record.vote_count]).sort();

test('a member sees option counts only in steps of the threshold and at the close, and every total; so does a voter who left; a stranger sees nothing', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤', '지호', '도윤', '예준']);
  const [a, b, c, d, e, f] = people;
  const poll = await world.poll(a.pb, circle);
  const options = await world.options(a.pb, poll);

  // f leaves before voting starts but after the poll was made: it is in the
  // poll's electorate, so it keeps reading the poll, live too (§6)
  await f.pb.send(`/api/circly/circles/${circle.id}/leave`, { method: 'POST' });

  const member = await watch(b.pb, poll);
  const stranger = await watch(await world.user(), poll);
  const former = await watch(f.pb, poll);

  // voter, choice, then the option counts each vote must publish (threshold
  // 3: counts move at totals 3, 6, … and at the close, never one vote at a time)
  const plan = [
    [a, '서준', []],
    [b, '하윤', []],
    [c, '서준', [['서준', 2], ['하윤', 1]]],
    [d, '서준', []],
    [e, '하윤', []],
  ];
  for (const [i, [voter, choice, published]] of plan.entries()) {
    const total = i + 1;
    const before = member.options.length;
    await world.vote(voter.pb, poll, options, choice);
    const pollEvent = await waitUntil(() => member.polls.find((x) => x.record.total_votes === total), {
      what: `the poll event with total_votes ${total}`,
      timeoutMs: 5_000,
    });
    assert.equal(pollEvent.action, 'update');
    assert.equal(pollEvent.record.id, poll.id);
    await waitUntil(() => member.options.length >= before + published.length, {
      what: `${published.length} option events after vote ${total}`,
      timeoutMs: 5_000,
    });
    await sleep(SETTLE_MS);
    const fresh = member.options.slice(before);
    assert.deepEqual(counts(fresh), published.sort(), `option events after vote ${total}`);
    for (const x of fresh) {
      assert.equal(x.action, 'update');
      assert.equal(x.record.poll, poll.id);
      assert.ok(!('tally' in x.record), 'the true tally never travels');
    }
  }
  assert.deepEqual(member.polls.map((x) => x.record.total_votes), [1, 2, 3, 4, 5], 'one poll event per vote');
  assert.equal(member.options.length, 2, 'no option event between steps');

  // the close publishes the final counts
  const su = await world.admin();
  await su.collection('polls').update(poll.id, { deadline: minutesFromNow(-0.1) });
  await waitUntil(() => member.options.length >= 4, { what: 'the final counts', timeoutMs: 10_000 });
  await sleep(SETTLE_MS);
  assert.deepEqual(counts(member.options.slice(2)), [['서준', 3], ['하윤', 2]], 'final counts at the close');

  await sleep(QUIET_MS);
  assert.deepEqual(stranger, { options: [], polls: [] }, 'a signed-in stranger receives nothing');
  assert.equal(member.options.length, 4, 'no late option events');
  // the voter who left received what the member received, no more
  assert.deepEqual(former.polls.map((x) => x.record.total_votes), member.polls.map((x) => x.record.total_votes),
    'the former member in the electorate receives every poll event');
  assert.deepEqual(counts(former.options), counts(member.options), 'and the same option events');
  assert.ok(former.options.every((x) => !('tally' in x.record)), 'the true tally never travels');
});

test('a member sees the poll close live, and a poll closing below the threshold never shows counts', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤']);
  const [a, b] = people;
  const poll = await world.poll(a.pb, circle);
  const options = await world.options(a.pb, poll);
  const member = await watch(b.pb, poll);
  const stranger = await watch(await world.user(), poll);
  await world.vote(a.pb, poll, options, '서준');
  await world.vote(b.pb, poll, options, '하윤');

  // a superuser moves the deadline into the past; the dispatcher closes the poll
  const su = await world.admin();
  await su.collection('polls').update(poll.id, { deadline: minutesFromNow(-0.1) });
  const closed = await waitUntil(() => member.polls.find((x) => x.record.status === 'closed'), {
    what: 'the poll to close',
    timeoutMs: 10_000,
  });
  assert.equal(closed.record.id, poll.id);
  assert.equal(closed.record.total_votes, 2);

  const r = await world.results(b.pb, poll);
  assert.equal(r.status, 'closed');
  assert.equal(r.total_votes, 2);
  assert.equal(r.revealed, false);
  assert.ok(r.options.every((o) => o.votes === null && o.percent === null), 'counts stay hidden after the close');
  assert.ok((await world.options(b.pb, poll)).every((o) => o.vote_count === 0), 'vote_count stays 0');
  assert.deepEqual(member.options, [], 'closing below the threshold publishes no counts');

  await sleep(QUIET_MS);
  assert.deepEqual(stranger, { options: [], polls: [] }, 'a stranger receives nothing');
});
