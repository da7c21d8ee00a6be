// §2 Circles and invites: create, join by code or link, nickname and
// capacity conflicts, new invites, leave, remove, rejoin, the public preview.

import assert from 'node:assert/strict';

import { INVITE_CODE, INVITE_LINK_ID, fixture, parsePbDate, rejects, sharedServer } from '../lib/circly.mjs';

let server;
const test = sharedServer({}, (s) => (server = s));

const preview = (linkId) => fetch(`${server.url}/api/circly/invites/${linkId}`);
const newInvite = (pb, circle) => pb.send(`/api/circly/circles/${circle.id}/invite`, { method: 'POST' });
const leave = (pb, circle) => pb.send(`/api/circly/circles/${circle.id}/leave`, { method: 'POST' });
const remove = (pb, circle, member) =>
  pb.send(`/api/circly/circles/${circle.id}/remove`, { method: 'POST', body: { member: member.id } });

/** Active members of a circle as `pb` sees them, in join order. */
async function activeMembers(pb, circle) {
  return pb.collection('members').getFullList({ filter: `circle="${circle.id}" && is_active=true`, sort: 'joined' });
}

function assertInvite(circle, what) {
  assert.match(circle.invite_code, INVITE_CODE, `${what}: invite_code`);
  assert.match(circle.invite_link_id, INVITE_LINK_ID, `${what}: invite_link_id`);
  const hours = (parsePbDate(circle.invite_expires_at) - Date.now()) / 3_600_000;
  assert.ok(hours > 23.9 && hours <= 24.01, `${what}: the invite expires in 24 hours (${hours.toFixed(3)} h)`);
}

test('creating a circle makes the creator its first member and an invite', async (t) => {
  const world = fixture(t, server);
  const pb = await world.user();

  const circle = world.track(await pb.collection('circles').create({ name: '주말 모임', nickname: '민지' }));
  assert.equal(circle.name, '주말 모임');
  assert.equal(circle.creator, pb.me.id);
  assert.equal(circle.is_active, true);
  assert.equal(circle.max_members, 50, 'default max_members');
  assertInvite(circle, 'a new circle');

  const members = await activeMembers(pb, circle);
  assert.equal(members.length, 1);
  assert.equal(members[0].user, pb.me.id);
  assert.equal(members[0].nickname, '민지');
  assert.equal(members[0].is_active, true);

  const mine = await pb.collection('circles').getFullList();
  assert.deepEqual(mine.map((c) => c.id), [circle.id], 'the creator sees its circle');

  // invite codes are random and unique per circle
  const other = await world.circle(pb, '민지', { max_members: 10 });
  assert.equal(other.max_members, 10);
  assert.notEqual(other.invite_code, circle.invite_code);
  assert.notEqual(other.invite_link_id, circle.invite_link_id);

  // a missing or invalid nickname creates nothing
  for (const body of [{ name: '닉네임 없음' }, { name: '빈 닉네임', nickname: '   ' }, { name: '긴 닉네임', nickname: 'x'.repeat(21) }]) {
    const err = await rejects(pb.collection('circles').create(body), 400, `create with ${JSON.stringify(body)}`);
    assert.ok(err.response.data.nickname, 'the error names the nickname field');
  }
  await rejects(pb.collection('circles').create({ name: '', nickname: '민지' }), 400, 'an empty name');
  await rejects(pb.collection('circles').create({ name: '큰 모임', nickname: '민지', max_members: 51 }), 400, 'max_members 51');
  await rejects(pb.collection('circles').create({ name: '작은 모임', nickname: '민지', max_members: 1 }), 400, 'max_members 1');
  const after = await pb.collection('circles').getFullList();
  assert.equal(after.length, 2, 'refused creates leave no circle behind');
});

test('people join by code in any case and by link, and joining twice is harmless', async (t) => {
  const world = fixture(t, server);
  const creator = await world.user();
  const circle = await world.circle(creator, '민지');
  const [b, c, d] = [await world.user(), await world.user(), await world.user()];

  const byLowerCode = await b.send('/api/circly/circles/join', {
    method: 'POST',
    body: { invite_code: circle.invite_code.toLowerCase(), nickname: '서준' },
  });
  assert.equal(byLowerCode.circle.id, circle.id);
  assert.equal(byLowerCode.member.circle, circle.id);
  assert.equal(byLowerCode.member.user, b.me.id);
  assert.equal(byLowerCode.member.nickname, '서준');
  assert.equal(byLowerCode.member.is_active, true);

  const byLink = await world.join(c, circle, '하윤', { by: 'link' });
  assert.equal(byLink.circle.id, circle.id);
  assert.equal(byLink.member.user, c.me.id);

  const byCode = await world.join(d, circle, '도윤');
  assert.equal(byCode.member.user, d.me.id);

  // idempotent: the existing membership, nickname unchanged
  const again = await world.join(b, circle, '다른이름');
  assert.equal(again.member.id, byLowerCode.member.id);
  assert.equal(again.member.nickname, '서준');

  const members = await activeMembers(d, circle);
  assert.deepEqual(members.map((m) => m.nickname), ['민지', '서준', '하윤', '도윤'], 'everyone, in join order');
  assert.deepEqual((await b.collection('circles').getFullList()).map((x) => x.id), [circle.id], 'b sees the circle');

  await rejects(world.join(await world.user(), { ...circle, invite_code: 'ZZZZZZ' }, '누구'), 404, 'an unknown code');
  await rejects(world.join(await world.user(), { ...circle, invite_link_id: 'x'.repeat(24) }, '누구', { by: 'link' }), 404,
    'an unknown link');
  await rejects(b.send('/api/circly/circles/join', { method: 'POST', body: { nickname: '서준' } }), 400, 'no code or link');
  await rejects(world.anonymous().send('/api/circly/circles/join', {
    method: 'POST',
    body: { invite_code: circle.invite_code, nickname: '익명' },
  }), 401, 'joining without signing in');
});

test('a nickname taken in the circle is a 409, whatever its case or width', async (t) => {
  const world = fixture(t, server);
  const { circle } = await world.circleOf(['민지', 'Alice']);
  const late = await world.user();

  for (const nickname of ['ALICE', 'alice', 'Ａｌｉｃｅ', '민지', ' Alice ']) {
    const err = await rejects(world.join(late, circle, nickname), 409, `joining as ${JSON.stringify(nickname)}`);
    assert.equal(err.response.data?.nickname?.code, 'validation_nickname_taken');
  }
  const { member } = await world.join(late, circle, 'Alicia');
  assert.equal(member.nickname, 'Alicia', 'a different nickname is fine');
});

test('a full circle refuses one more member with 409', async (t) => {
  const world = fixture(t, server);
  const { circle } = await world.circleOf(['민지', '서준', '하윤'], { max_members: 3 });

  const err = await rejects(world.join(await world.user(), circle, '도윤'), 409, 'joining a full circle');
  assert.match(err.response.message, /full/i);
  const res = await preview(circle.invite_link_id);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.member_count, 3);
  assert.equal(body.max_members, 3);
});

test('a new invite replaces the old code and link at once', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준']);
  const [creator, member] = people;

  const fresh = await newInvite(creator.pb, circle);
  assert.equal(fresh.id, circle.id);
  assertInvite(fresh, 'the new invite');
  assert.notEqual(fresh.invite_code, circle.invite_code);
  assert.notEqual(fresh.invite_link_id, circle.invite_link_id);

  const late = await world.user();
  await rejects(world.join(late, circle, '하윤'), 404, 'joining with the old code');
  await rejects(world.join(late, circle, '하윤', { by: 'link' }), 404, 'joining with the old link');
  assert.equal((await preview(circle.invite_link_id)).status, 404, 'the old link has no preview');

  await rejects(newInvite(member.pb, circle), 403, 'a member who is not the creator');
  const joined = await world.join(late, fresh, '하윤');
  assert.equal(joined.circle.id, circle.id, 'the new code works');
  assert.equal(joined.circle.invite_code, fresh.invite_code);
});

test('a member leaves and rejoins; the creator removes a member, who needs a new invite', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤']);
  const [creator, leaver, removed] = people;

  const left = await fetch(`${server.url}/api/circly/circles/${circle.id}/leave`, {
    method: 'POST',
    headers: { Authorization: leaver.pb.authStore.token },
  });
  assert.equal(left.status, 204, 'leave answers 204');
  await rejects(leaver.pb.collection('circles').getOne(circle.id), 404, 'a former member views the circle');
  assert.deepEqual(await leaver.pb.collection('circles').getFullList(), [], 'a former member lists no circle');
  const twice = await rejects(leave(leaver.pb, circle), 404, 'leaving twice');
  assert.equal(twice.response.message, 'You are not a member of this circle, or you have already left it.');
  const row = await creator.pb.collection('members').getOne(leaver.member.id);
  assert.equal(row.is_active, false, 'the membership is inactive');
  assert.deepEqual((await activeMembers(creator.pb, circle)).map((m) => m.nickname), ['민지', '하윤']);

  const back = await world.join(leaver.pb, circle, '서준2');
  assert.equal(back.member.id, leaver.member.id, 'the old row comes back');
  assert.equal(back.member.is_active, true);
  assert.equal(back.member.nickname, '서준2');
  assert.deepEqual((await activeMembers(creator.pb, circle)).map((m) => m.nickname), ['민지', '하윤', '서준2'],
    'a rejoined member counts from its new join time');

  const notCreator = await rejects(remove(leaver.pb, circle, removed.member), 403, 'a member who is not the creator removes');
  assert.equal(notCreator.response.message, "Only the circle's creator can remove members.");
  await rejects(remove(creator.pb, circle, creator.member), 400, 'the creator removes itself');
  const renewed = await remove(creator.pb, circle, removed.member);
  assert.equal(renewed.id, circle.id);
  assert.notEqual(renewed.invite_code, circle.invite_code, 'remove makes a new invite');
  await rejects(removed.pb.collection('circles').getOne(circle.id), 404, 'a removed member views the circle');
  await rejects(world.join(removed.pb, circle, '하윤'), 404, 'a removed member uses the old code');
  await rejects(remove(creator.pb, circle, removed.member), 409, 'removing twice');
  const rejoined = await world.join(removed.pb, renewed, '하윤');
  assert.equal(rejoined.member.id, removed.member.id, 'back with a new invite');
});

test('the public invite preview shows exactly name, member count, capacity and expiry', async (t) => {
  const world = fixture(t, server);
  const { circle } = await world.circleOf(['민지', '서준'], { name: '우리 반', max_members: 12 });

  const res = await preview(circle.invite_link_id);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(await res.json(), {
    circle_name: '우리 반',
    hidden: false,
    member_count: 2,
    max_members: 12,
    invite_expires_at: circle.invite_expires_at,
  });

  // the SDK call the README shows, without auth
  const sdk = await world.anonymous().send(`/api/circly/invites/${circle.invite_link_id}`, { method: 'GET' });
  assert.deepEqual(Object.keys(sdk).sort(), ['circle_name', 'hidden', 'invite_expires_at', 'max_members', 'member_count']);

  assert.equal((await preview('A'.repeat(24))).status, 404, 'an unknown link');
  assert.equal((await preview(circle.invite_code)).status, 404, 'an invite code is not a link id');

  const su = await world.admin();
  await su.collection('circles').update(circle.id, { invite_expires_at: '2020-01-01 00:00:00.000Z' });
  const expired = await preview(circle.invite_link_id);
  assert.equal(expired.status, 410, 'an expired invite');
  assert.equal((await expired.json()).status, 410);
  await rejects(world.join(await world.user(), circle, '하윤', { by: 'link' }), 410, 'joining with an expired invite');
});
