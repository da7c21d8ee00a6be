// §3–§6 Templates, polls and their options, votes, results.

import assert from 'node:assert/strict';

import { fixture, minutesFromNow, rejects, sharedServer } from '../lib/circly.mjs';

let server;
const test = sharedServer({}, (s) => (server = s));

function assertSortedDesc(items, what) {
  for (let i = 1; i < items.length; i++) {
    assert.ok(items[i - 1].usage_count >= items[i].usage_count, `${what}: sorted by usage_count, descending`);
  }
}

test('templates are listed by category and by popularity, and a poll counts as a use', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤']);
  const pb = people[0].pb;

  const all = await pb.collection('templates').getFullList({ sort: 'question_text' });
  assert.ok(all.length >= 60, `at least 60 curated templates (${all.length})`);
  const categories = new Set(all.map((x) => x.category));
  assert.ok(categories.size >= 5, `at least 5 categories (${[...categories]})`);
  assert.ok(all.every((x) => x.is_active === true), 'members see active templates only');
  assert.ok(all.some((x) => /[가-힣]/.test(x.question_text)), 'questions are in Korean');
  assert.ok(!('seed_key' in all[0]), 'internal fields stay hidden');

  const fun = await pb.collection('templates').getList(1, 50, { filter: 'category="fun"', sort: '-usage_count' });
  assert.ok(fun.items.length > 0, 'the fun category has templates');
  assert.ok(fun.items.every((x) => x.category === 'fun'), 'only that category');
  assertSortedDesc(fun.items, 'by category');

  const template = fun.items[fun.items.length - 1];
  const before = template.usage_count;
  const poll = await world.poll(pb, circle, { template: template.id });
  assert.equal(poll.template, template.id);
  assert.equal(poll.question_text, template.question_text, 'the question is copied from the template');
  assert.equal((await pb.collection('templates').getOne(template.id)).usage_count, before + 1, 'usage_count + 1');
  await world.poll(pb, circle, { template: template.id });
  assert.equal((await pb.collection('templates').getOne(template.id)).usage_count, before + 2, 'usage_count + 2');

  const popular = await pb.collection('templates').getList(1, 10, { sort: '-usage_count' });
  assert.equal(popular.items.length, 10);
  assertSortedDesc(popular.items, 'popular');
  assert.ok(popular.items[0].usage_count >= before + 2, 'the most used template leads');
  if (before === 0) assert.equal(popular.items[0].id, template.id, 'the only used template is the most popular');
});

test('a poll gets one option per other active member, in join order, with their nicknames', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤', '지호', '도윤']);
  const [creator, b, , d] = people;

  // d leaves and b re-joins: options follow the active members and the latest join time
  await d.pb.send(`/api/circly/circles/${circle.id}/leave`, { method: 'POST' });
  await b.pb.send(`/api/circly/circles/${circle.id}/leave`, { method: 'POST' });
  const rejoined = await world.join(b.pb, circle, '서준');

  const template = await world.template(creator.pb);
  const deadline = minutesFromNow(90);
  const poll = await creator.pb.collection('polls').create({ circle: circle.id, template: template.id, deadline });
  assert.equal(poll.circle, circle.id);
  assert.equal(poll.creator, creator.pb.me.id);
  assert.equal(poll.status, 'open');
  assert.equal(poll.total_votes, 0);
  assert.equal(poll.is_anonymous, true, 'anonymous by default');
  assert.equal(poll.deadline, deadline);

  const options = await world.options(creator.pb, poll);
  assert.deepEqual(
    options.map((o) => ({ member: o.member, nickname: o.nickname, order: o.order, vote_count: o.vote_count })),
    [
      { member: people[2].member.id, nickname: '하윤', order: 0, vote_count: 0 },
      { member: people[4].member.id, nickname: '도윤', order: 1, vote_count: 0 },
      { member: rejoined.member.id, nickname: '서준', order: 2, vote_count: 0 },
    ],
  );
  assert.ok(!('tally' in options[0]), 'the true tally is hidden');
  const seen = await world.options(people[2].pb, poll);
  assert.deepEqual(seen.map((o) => o.id), options.map((o) => o.id), 'every member sees the same options');

  const listed = await b.pb.collection('polls').getList(1, 20, { filter: `circle="${circle.id}"`, sort: '-created' });
  assert.deepEqual(listed.items.map((p) => p.id), [poll.id]);

  // options and polls are read-only through the API
  await rejects(creator.pb.collection('polls').update(poll.id, { status: 'closed' }), [403, 404], 'updating a poll');
  await rejects(creator.pb.collection('polls').delete(poll.id), [403, 404], 'deleting a poll');
  await rejects(creator.pb.collection('options').update(options[0].id, { vote_count: 5 }), [403, 404], 'updating an option');
  await rejects(creator.pb.collection('options').create({ poll: poll.id, nickname: '가짜' }), [400, 403], 'adding an option');
});

test('a poll needs a member, an active template, a deadline 1 minute to 7 days ahead and 2 other members', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤']);
  const pb = people[0].pb;
  const template = await world.template(pb);
  const create = (client, data) =>
    client.collection('polls').create({ circle: circle.id, template: template.id, deadline: minutesFromNow(60), ...data });

  await rejects(create(await world.user()), 403, 'a stranger starts a poll');
  await rejects(create(pb, { template: 'nosuchtemplate1' }), 404, 'an unknown template');
  const su = await world.admin();
  const retired = await su.collection('templates').create({ question_text: `은퇴한 질문 ${Date.now()}`, category: 'fun', is_active: false });
  t.after(() => su.collection('templates').delete(retired.id));
  await rejects(create(pb, { template: retired.id }), 404, 'a retired template');
  for (const [deadline, what] of [[minutesFromNow(0.5), '30 seconds ahead'], [minutesFromNow(-5), 'in the past'],
    [minutesFromNow(7 * 24 * 60 + 5), 'more than 7 days ahead']]) {
    const err = await rejects(create(pb, { deadline }), 400, `a deadline ${what}`);
    assert.ok(err.response.data.deadline, 'the error names the deadline');
  }
  await rejects(create(pb, { status: 'closed' }), 400, 'a body that sets status');
  await rejects(create(pb, { total_votes: 9 }), 400, 'a body that sets total_votes');

  const small = await world.circleOf(['민지', '서준']);
  const err = await rejects(world.poll(small.people[0].pb, small.circle), 400, 'a circle with one other member');
  assert.ok(err.response.data.circle, 'the error names the circle');
  const none = await small.people[0].pb.collection('polls').getFullList({ filter: `circle="${small.circle.id}"` });
  assert.deepEqual(none, [], 'nothing is created');
  assert.deepEqual(await pb.collection('polls').getFullList({ filter: `circle="${circle.id}"` }), [], 'no poll from refusals');
});

test('everyone votes once, never for themselves, and results rank by votes then order', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤', '지호', '도윤']);
  const [a, b, c, d, e] = people;
  const poll = await world.poll(a.pb, circle);
  const options = await world.options(a.pb, poll);
  assert.deepEqual(options.map((o) => o.nickname), ['서준', '하윤', '지호', '도윤']);

  let r = await world.results(a.pb, poll);
  assert.deepEqual(Object.keys(r).sort(),
    ['deadline', 'is_anonymous', 'options', 'poll', 'question_text', 'revealed', 'status', 'total_votes', 'voted']);
  assert.equal(r.poll, poll.id);
  assert.equal(r.question_text, poll.question_text);
  assert.equal(r.status, 'open');
  assert.equal(r.deadline, poll.deadline);
  assert.equal(r.total_votes, 0);
  assert.equal(r.voted, false, 'voted is false before the caller votes');

  const vote = await world.vote(a.pb, poll, options, '지호');
  assert.deepEqual({ poll: vote.poll, option: vote.option }, { poll: poll.id, option: options[2].id });
  assert.ok(!('id' in vote), 'the answer carries no handle to the stored vote');
  assert.ok(!('voter_hash' in vote) && !('member' in vote) && !('user' in vote), 'the answer names no voter');

  let err = await rejects(world.vote(a.pb, poll, options, '서준'), 400, 'a second vote');
  assert.match(err.response.message, /already voted/i);
  err = await rejects(world.vote(b.pb, poll, options, '서준'), 400, 'a vote for oneself');
  assert.match(err.response.message, /cannot vote for yourself/i);
  err = await rejects(world.vote(await world.user(), poll, options, '서준'), 403, 'a vote from a stranger');

  await world.vote(b.pb, poll, options, '지호');

  // below the threshold (3): counts hidden, participation shown to each caller
  r = await world.results(b.pb, poll);
  assert.equal(r.total_votes, 2);
  assert.equal(r.voted, true);
  assert.equal(r.revealed, false);
  assert.ok(r.options.every((o) => o.votes === null && o.percent === null), 'no per-option counts yet');
  assert.deepEqual(r.options.map((o) => o.nickname), ['서준', '하윤', '지호', '도윤'], 'hidden counts: by order');
  assert.equal((await world.results(c.pb, poll)).voted, false, 'c has not voted');
  assert.ok((await world.options(c.pb, poll)).every((o) => o.vote_count === 0), 'vote_count reads 0 below the threshold');

  await world.vote(c.pb, poll, options, '서준');
  await world.vote(d.pb, poll, options, '서준');
  await rejects(world.vote(d.pb, poll, options, '하윤'), 400, 'a second vote after the reveal');

  for (const [person, voted] of [[a, true], [b, true], [c, true], [d, true], [e, false]]) {
    r = await world.results(person.pb, poll);
    assert.equal(r.voted, voted, `${person.nickname} voted: ${voted}`);
    assert.equal(r.total_votes, 4);
    assert.equal(r.revealed, true);
    assert.deepEqual(
      r.options.map((o) => [o.nickname, o.votes, o.percent, o.order]),
      [
        ['지호', 2, 66.7, 2],
        ['서준', 1, 33.3, 0],
        ['하윤', 0, 0, 1],
        ['도윤', 0, 0, 3],
      ],
      'the counts published at the step of 3 (the 4th vote waits for the next step), by votes descending',
    );
    assert.deepEqual(Object.keys(r.options[0]).sort(), ['hidden', 'id', 'member', 'nickname', 'order', 'percent', 'votes']);
  }
  const counts = Object.fromEntries((await world.options(e.pb, poll)).map((o) => [o.nickname, o.vote_count]));
  assert.deepEqual(counts, { 서준: 1, 하윤: 0, 지호: 2, 도윤: 0 }, 'vote_count moves in steps once revealed');
  assert.equal((await e.pb.collection('polls').getOne(poll.id)).total_votes, 4);

  // only superusers read votes
  await rejects(a.pb.collection('votes').getList(1, 50), 403, 'a member lists votes');
  const su = await world.admin();
  const rows = await su.collection('votes').getFullList({ filter: `poll="${poll.id}"` });
  await rejects(a.pb.collection('votes').getOne(rows[0].id), [403, 404], 'a member views a vote');
  assert.equal(rows.length, 4, 'exactly one row per vote');
  assert.ok(rows.every((v) => !v.member && !('user' in v)), 'anonymous vote rows hold no member or user');
});

test('votes for another poll\'s option or after the deadline are refused', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤']);
  const [a, b] = people;
  const first = await world.poll(a.pb, circle);
  const second = await world.poll(b.pb, circle);
  const secondOptions = await world.options(a.pb, second);

  await rejects(a.pb.collection('votes').create({ poll: first.id, option: secondOptions[0].id }), 400,
    'an option of another poll');
  await rejects(a.pb.collection('votes').create({ poll: 'nosuchpoll00000', option: secondOptions[0].id }), [400, 404],
    'an unknown poll');

  // a superuser moves the deadline into the past: the vote is refused even before the scheduler runs
  const su = await world.admin();
  await su.collection('polls').update(second.id, { deadline: minutesFromNow(-1) });
  const err = await rejects(world.vote(a.pb, second, secondOptions, '하윤'), 400, 'a vote after the deadline');
  assert.match(err.response.message, /closed/i);
  assert.equal((await world.results(a.pb, second)).total_votes, 0);
});

test('a non-anonymous poll names each option\'s voters once revealed', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤', '지호']);
  const [a, b, c] = people;
  const poll = await world.poll(a.pb, circle, { is_anonymous: false });
  assert.equal(poll.is_anonymous, false);
  const options = await world.options(a.pb, poll);

  await world.vote(a.pb, poll, options, '하윤');
  await world.vote(b.pb, poll, options, '하윤');
  let r = await world.results(c.pb, poll);
  assert.equal(r.is_anonymous, false);
  assert.ok(r.options.every((o) => o.votes === null && !o.voters), 'no voters before the reveal');

  await world.vote(c.pb, poll, options, '서준');
  r = await world.results(c.pb, poll);
  assert.deepEqual(
    r.options.map((o) => [o.nickname, o.votes, o.voters ?? []]),
    [
      ['하윤', 2, ['민지', '서준']],
      ['서준', 1, ['하윤']],
      ['지호', 0, []],
    ],
  );
});
