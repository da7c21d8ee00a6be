// §9 The app's home, the member side: circles.member_count through joins,
// leaves, removals and deletes (also live), members.muted (one's own
// membership only), and the pushes that go with them (§7): muted members
// get none, `picked` after a revealed close, and the results of a poll
// that closed below the threshold.

import assert from 'node:assert/strict';

import { fixture, minutesFromNow, rejects, sleep, waitUntil } from '../lib/circly.mjs';
import { QUIET_MS, circleWithTokens, pushServer, pushesTo, recipients } from '../lib/push.mjs';

let server;
let expo;
const test = pushServer((s, e) => {
  server = s;
  expo = e;
});

const leave = (pb, circle) => pb.send(`/api/circly/circles/${circle.id}/leave`, { method: 'POST' });
const remove = (pb, circle, member) =>
  pb.send(`/api/circly/circles/${circle.id}/remove`, { method: 'POST', body: { member: member.id } });
const countSeenBy = async (pb, circle) => (await pb.collection('circles').getOne(circle.id)).member_count;

/** A superuser moves the poll's deadline into the past; the dispatcher closes it within a second. */
async function close(world, poll) {
  const su = await world.admin();
  await su.collection('polls').update(poll.id, { deadline: minutesFromNow(-0.05) });
}

test('member_count is the number of active members through create, join, leave, remove, rejoin and delete', async (t) => {
  const world = fixture(t, server);
  const a = await world.user();
  const circle = await world.circle(a, '민지', { max_members: 10 });
  assert.equal(circle.member_count, 1, 'the creator');

  const b = await world.user();
  const c = await world.user();
  const joinedB = await world.join(b, circle, '서준');
  assert.equal(joinedB.circle.member_count, 2, 'the join answer carries the new count');
  const joinedC = await world.join(c, circle, '하윤', { by: 'link' });
  assert.equal(joinedC.circle.member_count, 3);
  assert.equal((await world.join(c, circle, '하윤')).circle.member_count, 3, 'joining again changes nothing');
  assert.equal(await countSeenBy(b, circle), 3, 'members read it');
  const preview = await (await fetch(`${server.url}/api/circly/invites/${circle.invite_link_id}`)).json();
  assert.equal(preview.member_count, 3, 'the invite preview agrees');

  // live: members subscribed to the circle see the count move
  const seen = [];
  await a.collection('circles').subscribe(circle.id, (e) => seen.push(e.record.member_count));

  await leave(c, circle);
  assert.equal(await countSeenBy(a, circle), 2, 'after a leave');
  await waitUntil(() => seen.includes(2), { what: 'the realtime update after the leave' });

  const afterRemove = await remove(a, circle, joinedB.member);
  assert.equal(afterRemove.member_count, 1, 'the remove answer carries the new count');
  assert.equal(await countSeenBy(a, circle), 1);

  const back = await world.join(b, afterRemove, '서준');
  assert.equal(back.member.id, joinedB.member.id, 'the old row comes back');
  assert.equal(back.circle.member_count, 2, 'after a rejoin');

  const refused = await rejects(a.collection('circles').update(circle.id, { member_count: 40 }), 400, 'writing member_count');
  assert.equal(refused.response.data.member_count.code, 'validation_field_not_writable');
  assert.equal(await countSeenBy(a, circle), 2);

  await a.collection('circles').delete(circle.id);
  const su = await world.admin();
  const deleted = await su.collection('circles').getOne(circle.id);
  assert.equal(deleted.is_active, false);
  assert.equal(deleted.member_count, 0, 'a soft-deleted circle has no members');
});

test('member_count drops when a member deletes its account, and holds under concurrent joins', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤']);
  const [a, , c] = people;
  await c.pb.collection('users').delete(c.pb.me.id);
  assert.equal(await countSeenBy(a.pb, circle), 2, 'after the account deletion');

  const su = await world.admin();
  await su.collection('circles').update(circle.id, { max_members: 5 });
  const joiners = await Promise.all(Array.from({ length: 8 }, () => world.user()));
  const outcomes = await Promise.allSettled(joiners.map((pb, i) => world.join(pb, circle, `joiner${i}`)));
  const joined = outcomes.filter((o) => o.status === 'fulfilled').length;
  assert.equal(joined, 3, 'three free seats');
  for (const o of outcomes.filter((x) => x.status === 'rejected')) assert.equal(o.reason.status, 409);
  const rows = await a.pb.collection('members').getFullList({ filter: `circle="${circle.id}" && is_active=true` });
  assert.equal(rows.length, 5);
  assert.equal(await countSeenBy(a.pb, circle), 5, 'member_count equals the active rows');
});

test('a member mutes only its own membership; a muted member gets no push about that circle', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤', '지호']);
  const [a, b, c, d] = people;
  assert.equal(b.member.muted, false, 'not muted by default');

  const muted = await b.pb.collection('members').update(b.member.id, { muted: true });
  assert.equal(muted.muted, true);
  assert.equal((await a.pb.collection('members').getOne(b.member.id)).muted, true, 'members of the circle read it');
  await rejects(a.pb.collection('members').update(b.member.id, { muted: false }), 403, 'the creator muting someone else');
  await rejects(c.pb.collection('members').update(b.member.id, { muted: false }), 403, 'a member unmuting someone else');
  const bad = await rejects(b.pb.collection('members').update(b.member.id, { muted: 'maybe' }), 400, 'muted not a bool');
  assert.equal(bad.response.data.muted.code, 'validation_invalid_bool');
  assert.equal((await b.pb.collection('members').getOne(b.member.id)).muted, true, 'still muted');

  const poll = await world.poll(a.pb, circle);
  await pushesTo(expo, [c, d], { kind: 'poll_started', poll: poll.id });
  // b is the only one who does not vote, and gets the most votes
  const options = await world.options(a.pb, poll);
  await world.vote(a.pb, poll, options, '서준');
  await world.vote(c.pb, poll, options, '서준');
  await world.vote(d.pb, poll, options, '하윤');
  await close(world, poll);
  await pushesTo(expo, [a, c, d], { kind: 'results', poll: poll.id });
  await pushesTo(expo, [c], { kind: 'picked', poll: poll.id });
  await sleep(QUIET_MS);
  assert.deepEqual(expo.find({ poll: poll.id, to: b.token }), [], 'nothing at all to the muted member');

  // unmuted, the next poll reaches it again
  await b.pb.collection('members').update(b.member.id, { muted: false });
  const next = await world.poll(a.pb, circle);
  await pushesTo(expo, [b, c, d], { kind: 'poll_started', poll: next.id });
});

test('picked goes to members whose option got votes, without the count, once the counts are revealed', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤', '지호', '도윤']);
  const [a, b, c, d, e] = people;
  const poll = await world.poll(a.pb, circle);
  const options = await world.options(a.pb, poll);
  // 서준 2, 하윤 1, 지호 1; 도윤 and 민지 (who asked, not an option) none
  await world.vote(a.pb, poll, options, '서준');
  await world.vote(b.pb, poll, options, '하윤');
  await world.vote(c.pb, poll, options, '서준');
  await world.vote(e.pb, poll, options, '지호');
  await close(world, poll);

  const where = { kind: 'picked', poll: poll.id };
  const pushes = await pushesTo(expo, [b, c, d], where);
  for (const person of [b, c, d]) {
    const [push, ...more] = pushes[person.token];
    assert.deepEqual(more, [], `one picked push for ${person.nickname}`);
    assert.deepEqual(push.data, { kind: 'picked', poll: poll.id, circle: circle.id });
    assert.ok(push.body.includes(circle.name) && push.body.includes(poll.question_text), `the copy names the circle and question: ${push.body}`);
    assert.doesNotMatch(`${push.title} ${push.subtitle ?? ''}`, /\d/, 'no count in the copy');
    assert.equal(push.badge, undefined);
  }
  const results = await pushesTo(expo, people, { kind: 'results', poll: poll.id });
  assert.equal(results[a.token][0].data.revealed, true);
  assert.equal(results[a.token][0].title, '🎉 결과가 나왔어요');
  await sleep(QUIET_MS);
  assert.deepEqual(recipients(expo, where, people), ['서준', '지호', '하윤'], 'only members with votes, once each');
});

test('a poll that closes below the threshold says so in its results, and picks nobody', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤']);
  const [a, b] = people;
  const poll = await world.poll(a.pb, circle);
  const options = await world.options(a.pb, poll);
  await world.vote(b.pb, poll, options, '하윤');
  await close(world, poll);

  const pushes = await pushesTo(expo, people, { kind: 'results', poll: poll.id });
  for (const person of people) {
    const [push] = pushes[person.token];
    assert.deepEqual(push.data, { kind: 'results', poll: poll.id, circle: circle.id, revealed: false });
    assert.match(push.title, /투표가 너무 적어서/, 'the title says there were too few votes');
    assert.ok(push.body.includes(circle.name) && push.body.includes(poll.question_text));
  }
  const r = await world.results(a.pb, poll);
  assert.equal(r.total_votes, 1);
  await sleep(QUIET_MS);
  assert.deepEqual(expo.find({ kind: 'picked', poll: poll.id }), [], 'no picked push below the threshold');
});
