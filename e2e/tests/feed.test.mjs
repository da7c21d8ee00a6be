// §9 The app's home: the feed of every poll the caller may read (§6) across
// its circles, and the inbox of polls in which it was picked, kept after it
// leaves a circle.

import assert from 'node:assert/strict';

import { fixture, minutesFromNow, rejects, sharedServer, waitUntil } from '../lib/circly.mjs';

let server;
// the dispatcher closes overdue polls every second
const test = sharedServer({ env: { CIRCLY_DISPATCH_INTERVAL: '1' } }, (s) => (server = s));

const feed = (pb, query = {}) => pb.send('/api/circly/feed', { query });
const picks = (pb, query = {}) => pb.send('/api/circly/me/picks', { query });
/** A feed page as rows of [poll id, circle name, voted, can_vote]. */
const rows = (page) => page.items.map((it) => [it.poll.id, it.circle_name, it.voted, it.can_vote]);

/** A superuser moves the poll's deadline into the past; the dispatcher closes it. */
async function closeNow(world, pb, poll) {
  const su = await world.admin();
  await su.collection('polls').update(poll.id, { deadline: minutesFromNow(-1) });
  return waitUntil(async () => {
    const p = await pb.collection('polls').getOne(poll.id);
    return p.status === 'closed' && p;
  }, { what: 'the poll to close' });
}

test('the home screen: every poll of every circle in one request, open ones first, then the inbox', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤', '지호'], { name: '토요 모임' });
  const [a, b, c, d] = people;
  const { circle: work, people: colleagues } = await world.circleOf(['팀장', '대리'], { name: '회사' });
  await world.join(b.pb, work, '서준');

  const later = await world.poll(a.pb, circle, { deadline: minutesFromNow(120) });
  const sooner = await world.poll(a.pb, circle, { deadline: minutesFromNow(60) });
  const soonest = await world.poll(colleagues[0].pb, work, { deadline: minutesFromNow(30) });

  // 서준 is in both circles: one list, the next deadline first
  const home = await feed(b.pb, { page: 1, perPage: 20 });
  assert.deepEqual(Object.keys(home).sort(), ['items', 'page', 'perPage', 'totalItems']);
  assert.equal(home.page, 1);
  assert.equal(home.perPage, 20);
  assert.equal(home.totalItems, 3);
  assert.deepEqual(rows(home), [
    [soonest.id, '회사', false, true],
    [sooner.id, '토요 모임', false, true],
    [later.id, '토요 모임', false, true],
  ]);
  assert.deepEqual(Object.keys(home.items[0]).sort(), ['can_vote', 'circle_hidden', 'circle_name', 'poll', 'voted']);
  // the poll is the record the polls collection shows
  assert.deepEqual(home.items[1].poll, await b.pb.collection('polls').getOne(sooner.id));

  // voting changes the caller's own flags only
  const options = await world.options(a.pb, sooner);
  await world.vote(b.pb, sooner, options, '하윤');
  const afterVote = await feed(b.pb);
  assert.deepEqual(rows(afterVote)[1], [sooner.id, '토요 모임', true, false]);
  const seenByC = await feed(c.pb);
  assert.deepEqual(rows(seenByC), [[sooner.id, '토요 모임', false, true], [later.id, '토요 모임', false, true]]);

  // pages, and the status filter
  const second = await feed(b.pb, { page: 2, perPage: 2 });
  assert.equal(second.totalItems, 3);
  assert.deepEqual(second.items.map((it) => it.poll.id), [later.id]);

  // three votes reveal the counts; at the deadline the poll closes and
  // moves below the open ones
  await world.vote(a.pb, sooner, options, '서준');
  await world.vote(d.pb, sooner, options, '서준');
  await closeNow(world, b.pb, sooner);
  assert.deepEqual(rows(await feed(b.pb)), [
    [soonest.id, '회사', false, true],
    [later.id, '토요 모임', false, true],
    [sooner.id, '토요 모임', true, false],
  ]);
  assert.deepEqual((await feed(b.pb, { status: 'open' })).items.map((it) => it.poll.id), [soonest.id, later.id]);
  assert.deepEqual((await feed(b.pb, { status: 'closed' })).items.map((it) => it.poll.id), [sooner.id]);

  // the inbox: 서준 was picked twice; it names the count, never who
  const inbox = await picks(b.pb, { page: 1, perPage: 20 });
  const closed = await b.pb.collection('polls').getOne(sooner.id);
  assert.deepEqual(inbox, {
    page: 1,
    perPage: 20,
    totalItems: 1,
    items: [{
      poll: sooner.id,
      question_text: sooner.question_text,
      circle: circle.id,
      circle_name: '토요 모임',
      circle_hidden: false,
      deadline: closed.deadline,
      votes: 2,
      total_votes: 3,
    }],
  });
  assert.deepEqual((await picks(c.pb)).items.map((it) => [it.poll, it.votes]), [[sooner.id, 1]]);
  assert.equal((await picks(a.pb)).totalItems, 0, 'the asker is never an option');
  assert.equal((await picks(colleagues[0].pb)).totalItems, 0);

  // bad queries are 400s with the field's error; no auth is 401
  const badStatus = await rejects(feed(b.pb, { status: 'soon' }), 400);
  assert.equal(badStatus.response.data.status.code, 'validation_invalid_value');
  const badPage = await rejects(picks(b.pb, { perPage: 1000 }), 400);
  assert.equal(badPage.response.data.perPage.code, 'validation_max_number_constraint');
  await rejects(feed(world.anonymous()), 401);
  await rejects(picks(world.anonymous()), 401);
});

test('after leaving: the polls of its electorates and the inbox stay, nothing newer, no vote; a late joiner reads but cannot vote', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤', '지호'], { name: '동아리' });
  const [a, b, c] = people;
  const open = await world.poll(a.pb, circle, { deadline: minutesFromNow(90) });
  const revealed = await world.poll(a.pb, circle, { deadline: minutesFromNow(60) });
  const options = await world.options(a.pb, revealed);
  await world.vote(a.pb, revealed, options, '서준');
  await world.vote(c.pb, revealed, options, '서준');
  await world.vote(b.pb, revealed, options, '하윤');
  await closeNow(world, a.pb, revealed);

  // 서준 leaves; a poll made afterwards is not its
  await b.pb.send(`/api/circly/circles/${circle.id}/leave`, { method: 'POST' });
  const newer = await world.poll(a.pb, circle, { deadline: minutesFromNow(30) });
  // 도윤 joins after all three polls
  const late = await world.user();
  await world.join(late, circle, '도윤');
  const newest = await world.poll(a.pb, circle, { deadline: minutesFromNow(45) });

  const left = await feed(b.pb);
  assert.deepEqual(rows(left), [[open.id, '동아리', false, false], [revealed.id, '동아리', true, false]],
    'the polls it could vote in, no vote left to cast');
  assert.deepEqual((await picks(b.pb)).items.map((it) => [it.poll, it.votes, it.total_votes]), [[revealed.id, 2, 3]],
    'the inbox is kept');
  // it reads those polls, their options and results, and nothing else of the circle
  assert.equal((await b.pb.collection('polls').getOne(open.id)).id, open.id);
  assert.equal((await world.options(b.pb, revealed)).length, 3);
  const results = await world.results(b.pb, revealed);
  assert.equal(results.voted, true);
  assert.deepEqual(results.options.map((o) => [o.nickname, o.votes]), [['서준', 2], ['하윤', 1], ['지호', 0]]);
  await rejects(b.pb.collection('polls').getOne(newer.id), 404, 'a poll made after it left');
  await rejects(world.results(b.pb, newer), 404, 'the results of a poll made after it left');
  await rejects(b.pb.collection('circles').getOne(circle.id), 404, 'the circle itself');
  assert.deepEqual((await b.pb.collection('members').getList(1, 50)).items, [], 'its members');
  await rejects(world.vote(b.pb, open, await world.options(a.pb, open), '하윤'), 403, 'a vote after leaving');

  // the late joiner reads every poll of the circle and votes only in the one made after it joined
  assert.deepEqual(rows(await feed(late)), [
    [newer.id, '동아리', false, false],
    [newest.id, '동아리', false, true],
    [open.id, '동아리', false, false],
    [revealed.id, '동아리', false, false],
  ]);
  assert.equal((await picks(late)).totalItems, 0);

  // a stranger has nothing
  const stranger = await world.user();
  assert.deepEqual(await feed(stranger), { page: 1, perPage: 20, totalItems: 0, items: [] });
  assert.deepEqual(await picks(stranger), { page: 1, perPage: 20, totalItems: 0, items: [] });
});
