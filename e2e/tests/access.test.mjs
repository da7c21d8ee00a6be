// Outsiders get nothing: for every collection and operation, and every
// custom route, someone who is not an active member of a circle — not
// signed in, a signed-in stranger, or a former member outside the poll's
// electorate — gets a 4xx or an empty list, never a record of the circle,
// and changes nothing. (A former member in a poll's electorate keeps
// reading that poll, §6: see feed.test.mjs.)

import assert from 'node:assert/strict';

import { ClientResponseError } from 'pocketbase';

import { fixture, sharedServer } from '../lib/circly.mjs';

let server;
const test = sharedServer({}, (s) => (server = s));

/**
 * A circle with a poll, votes and outbox rows, plus a retired template.
 * Returns the ids an outsider could aim at and the texts that must never
 * reach it.
 */
async function victim(world) {
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤', '지호'], { name: '비밀 모임' });
  const [a, b, c] = people;
  const su = await world.admin();
  const template = await world.template(a.pb);
  const retired = await su.collection('templates').create({
    question_text: `은퇴한 질문 ${Date.now()} ${Math.random()}`,
    category: 'fun',
    is_active: false,
  });
  world.t.after(() => su.collection('templates').delete(retired.id));

  const poll = await world.poll(a.pb, circle, { template: template.id });
  const options = await world.options(a.pb, poll);
  await world.vote(a.pb, poll, options, '서준');
  await world.vote(b.pb, poll, options, '하윤');
  const votes = await su.collection('votes').getFullList({ filter: `poll="${poll.id}"` });
  const notifications = await su.collection('notifications').getFullList({ filter: `poll="${poll.id}"` });
  assert.equal(votes.length, 2);
  assert.ok(notifications.length > 0, 'the poll has outbox rows');

  return {
    people,
    circle,
    poll,
    options,
    ids: {
      users: a.pb.me.id,
      circles: circle.id,
      members: b.member.id,
      templates: retired.id,
      polls: poll.id,
      options: options[0].id,
      votes: votes[0].id,
      notifications: notifications[0].id,
    },
    secrets: [circle.name, circle.invite_code, circle.invite_link_id, '서준', '하윤', poll.question_text,
      a.pb.me.device_id, c.member.id],
    template,
  };
}

/** What the superuser sees of the victim's data, to compare before and after. */
async function snapshot(world, v) {
  const su = await world.admin();
  const get = (collection, id) => su.collection(collection).getOne(id);
  const strip = ({ updated, ...rest }) => rest;
  return {
    user: strip(await get('users', v.ids.users)),
    circle: strip(await get('circles', v.circle.id)),
    members: (await su.collection('members').getFullList({ filter: `circle="${v.circle.id}"`, sort: 'joined' })).map(strip),
    template: strip(await get('templates', v.template.id)),
    poll: strip(await get('polls', v.poll.id)),
    options: (await su.collection('options').getFullList({ filter: `poll="${v.poll.id}"`, sort: 'order' })),
    votes: (await su.collection('votes').getFullList({ filter: `poll="${v.poll.id}"`, sort: 'id' })).length,
    notifications: (await su.collection('notifications').getFullList({ filter: `poll="${v.poll.id}"` })).length,
  };
}

/**
 * Runs every check for one outsider and fails once, listing every hole.
 * `signedIn` says whether the outsider has a user token.
 */
async function checkOutsider(world, v, pb, { signedIn }) {
  const holes = [];
  const noAuth = signedIn ? [] : [401];

  async function expectRefused(what, call, statuses) {
    try {
      const value = await call();
      holes.push(`${what}: succeeded with ${JSON.stringify(value).slice(0, 300)}`);
    } catch (err) {
      if (!(err instanceof ClientResponseError)) throw err;
      if (!statuses.includes(err.status)) {
        holes.push(`${what}: expected ${statuses.join('/')}, got ${err.status} ${JSON.stringify(err.response)}`);
      }
      leaks(what, err.response);
    }
  }
  async function expectNothingListed(what, call) {
    try {
      const list = await call();
      if (list.items.length > 0 || list.totalItems > 0) {
        holes.push(`${what}: listed ${list.totalItems} record(s): ${JSON.stringify(list.items).slice(0, 300)}`);
      }
      leaks(what, list);
    } catch (err) {
      if (!(err instanceof ClientResponseError)) throw err;
      if (![403, ...noAuth].includes(err.status)) holes.push(`${what}: expected an empty list or 403, got ${err.status}`);
      leaks(what, err.response);
    }
  }
  function leaks(what, body) {
    const text = JSON.stringify(body ?? null);
    for (const secret of v.secrets) {
      if (text.includes(secret)) holes.push(`${what}: the answer contains ${JSON.stringify(secret)}`);
    }
  }

  const body = {
    users: { push_token: 'ExponentPushToken[hijack]' },
    circles: { name: '털림' },
    members: { nickname: '털림' },
    templates: { question_text: '털린 질문', category: 'fun', is_active: true },
    polls: { status: 'closed', total_votes: 99 },
    options: { vote_count: 99, nickname: '털림' },
    votes: { poll: v.poll.id, option: v.options[1].id },
    notifications: { poll: v.poll.id, kind: 'results', status: 'done' },
  };
  const createBody = {
    ...body,
    users: { device_id: 'e2e-outsider-made', password: 'p'.repeat(12), passwordConfirm: 'p'.repeat(12) },
    members: { circle: v.circle.id, user: pb.authStore.record?.id ?? '', nickname: '침입자' },
    polls: { circle: v.circle.id, template: v.template.id, deadline: v.poll.deadline },
    options: { poll: v.poll.id, nickname: '침입자', order: 9 },
    templates: { question_text: `침입자의 질문 ${Date.now()}`, category: 'fun', is_active: true },
  };

  for (const [collection, id] of Object.entries(v.ids)) {
    const records = pb.collection(collection);
    // list, with and without a filter aimed at the circle
    if (collection === 'templates') {
      if (signedIn) {
        const all = await records.getFullList();
        if (!all.every((x) => x.is_active)) holes.push('templates list: shows a retired template');
        if (all.length < 60) holes.push(`templates list: a signed-in user should see the active templates (${all.length})`);
      } else {
        await expectNothingListed('templates list', () => records.getList(1, 50));
      }
    } else {
      await expectNothingListed(`${collection} list`, () => records.getList(1, 50));
      const filter = { circles: `id="${id}"`, members: `circle="${v.circle.id}"`, polls: `circle="${v.circle.id}"`,
        options: `poll="${v.poll.id}"`, votes: `poll="${v.poll.id}"`, notifications: `poll="${v.poll.id}"`,
        users: `id="${id}"` }[collection];
      await expectNothingListed(`${collection} list (${filter})`, () => records.getList(1, 50, { filter }));
    }
    // view: rule-guarded collections answer 404; superuser-only ones may say 403
    const superuserOnly = collection === 'votes' || collection === 'notifications';
    await expectRefused(`${collection} view`, () => records.getOne(id), superuserOnly ? [403, 404] : [404, ...noAuth]);
    // create
    if (!(collection === 'circles' && signedIn)) {
      await expectRefused(`${collection} create`, () => records.create(createBody[collection]), [400, 401, 403, 404]);
    }
    await expectRefused(`${collection} update`, () => records.update(id, body[collection]), [400, 401, 403, 404]);
    await expectRefused(`${collection} delete`, () => records.delete(id), [400, 401, 403, 404]);
  }

  // any signed-in user may make its own circle (last, so the lists above stay
  // empty); it must not become someone else's or take over the invite
  if (signedIn) {
    const own = await pb.collection('circles').create({
      name: '내 모임', nickname: '나', creator: v.ids.users, invite_code: v.circle.invite_code,
      invite_link_id: v.circle.invite_link_id,
    }).catch((err) => ({ refused: err.status }));
    if (!own.refused) {
      world.track(own);
      if (own.creator !== pb.authStore.record.id) holes.push('circles create: the creator was taken from the body');
      if (own.invite_code === v.circle.invite_code || own.invite_link_id === v.circle.invite_link_id) {
        holes.push('circles create: the invite was taken from the body');
      }
    }
  }

  // the custom routes
  const [creator, member] = v.people;
  const route = (path, options = {}) => () => pb.send(path, { method: 'POST', ...options });
  const circleRoute = `/api/circly/circles/${v.circle.id}`;
  await expectRefused('new invite', route(`${circleRoute}/invite`), [403, 404, ...noAuth]);
  await expectRefused('leave', route(`${circleRoute}/leave`), [404, ...noAuth]);
  await expectRefused('remove', route(`${circleRoute}/remove`, { body: { member: member.member.id } }), [403, 404, ...noAuth]);
  await expectRefused('remove the creator', route(`${circleRoute}/remove`, { body: { member: creator.member.id } }),
    [403, 404, ...noAuth]);
  await expectRefused('results', () => pb.send(`/api/circly/polls/${v.poll.id}/results`, {}), [403, 404, ...noAuth]);

  assert.deepEqual(holes, [], `an outsider (${signedIn ? 'signed in' : 'not signed in'}) got through`);
}

async function outsiderTest(t, makeOutsider, signedIn) {
  const world = fixture(t, server);
  const v = await victim(world);
  const pb = await makeOutsider(world, v);
  const before = await snapshot(world, v);
  await checkOutsider(world, v, pb, { signedIn });
  assert.deepEqual(await snapshot(world, v), before, 'nothing changed');
}

test('a signed-in stranger can read active templates and nothing of a circle, and changes nothing', (t) =>
  outsiderTest(t, (world) => world.user(), true));

test('a former member who was never in the poll electorate is an outsider like any stranger', (t) =>
  outsiderTest(t, async (world, v) => {
    // joins after the poll started, then leaves
    const former = await world.user();
    await world.join(former, v.circle, '잠깐');
    await former.send(`/api/circly/circles/${v.circle.id}/leave`, { method: 'POST' });
    return former;
  }, true));

test('without signing in nothing is readable or writable', (t) => outsiderTest(t, (world) => world.anonymous(), false));
