// §10 and §11 from the app's side, with the PocketBase JS SDK: a new phone
// takes the account over with a transfer code or a recovery code (same
// record id, the old phone signed out for good); circle images are
// protected files the app shows with a file token; reports hide a
// nickname until an operator resolves them; a block keeps the blocked
// person out of the blocker's circles.

import assert from 'node:assert/strict';

import { fixture, rejects, sharedServer } from '../lib/circly.mjs';
import { deviceLogin } from '../lib/server.mjs';

let server;
const test = sharedServer({}, (s) => (server = s));

// a 1×1 PNG
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** The old phone hands over with `issue`, the new phone (already signed in to its own fresh account) takes over with `redeem`. */
async function moveAccount(world, issue, redeem) {
  const { circle, people } = await world.circleOf(['민지', '서준']);
  const old = people[1].pb;
  const fresh = await world.user(); // the new phone's first launch made an account
  const answer = await redeem(fresh, await issue(old));
  assert.equal(answer.record.id, old.me.id, 'the same account on the new phone');
  fresh.authStore.save(answer.token, answer.record);

  const members = await fresh.collection('members').getFullList({ filter: `circle="${circle.id}"` });
  assert.deepEqual(members.map((m) => m.nickname).sort(), ['민지', '서준'], 'the new phone is in the old circles');

  await rejects(old.collection('users').authRefresh(), 401, "the old phone's token");
  await rejects(deviceLogin(world.anonymous(), old.device), 401, "the old phone's device login");
  await rejects(world.anonymous().collection('users').getOne(old.me.id, { headers: { Authorization: old.authStore.token } }), [401, 404], "a read with the old phone's token");
}

test('a transfer code moves the account to a new phone', async (t) => {
  const world = fixture(t, server);
  await moveAccount(
    world,
    async (old) => {
      const { code, expires_at } = await old.send('/api/circly/auth/transfer', { method: 'POST' });
      assert.match(code, /^[A-HJ-NP-Z2-9]{10}$/);
      assert.ok(Date.parse(expires_at.replace(' ', 'T')) > Date.now());
      return code;
    },
    async (fresh, code) => {
      const answer = await fresh.send('/api/circly/auth/transfer/redeem', { method: 'POST', body: { code, ...fresh.device } });
      await rejects(
        world.anonymous().send('/api/circly/auth/transfer/redeem', { method: 'POST', body: { code, ...fresh.device } }),
        404,
        'a used code',
      );
      return answer;
    },
  );
});

test('a recovery code saved on the old phone brings the account back', async (t) => {
  const world = fixture(t, server);
  await moveAccount(
    world,
    async (old) => {
      const { recovery_code } = await old.send('/api/circly/auth/recovery', { method: 'POST' });
      assert.ok(recovery_code.length >= 20);
      return recovery_code;
    },
    async (fresh, recovery_code) => {
      await rejects(
        fresh.send('/api/circly/auth/recover', { method: 'POST', body: { recovery_code: recovery_code.slice(0, -1) + (recovery_code.endsWith('A') ? 'B' : 'A'), ...fresh.device } }),
        401,
        'a wrong recovery code',
      );
      return fresh.send('/api/circly/auth/recover', { method: 'POST', body: { recovery_code, ...fresh.device } });
    },
  );
});

test('a circle image needs the file token of a member', async (t) => {
  const world = fixture(t, server);
  const a = await world.user();
  const form = new FormData();
  form.append('name', '사진 모임');
  form.append('nickname', '민지');
  form.append('image', new Blob([PNG], { type: 'image/png' }), 'circle.png');
  const circle = world.track(await a.collection('circles').create(form));
  assert.ok(circle.image, 'the image was stored');
  const b = await world.user();
  const { member } = await world.join(b, circle, '서준');

  const plain = a.files.getURL(circle, circle.image);
  assert.ok((await fetch(plain)).status >= 400, 'no token: refused');
  const token = await b.files.getToken();
  const withToken = b.files.getURL(circle, circle.image, { token });
  assert.equal((await fetch(withToken)).status, 200, "a member's token");
  assert.equal((await fetch(b.files.getURL(circle, circle.image, { token, thumb: '100x100' }))).status, 200, 'a thumb');

  await a.send(`/api/circly/circles/${circle.id}/remove`, { method: 'POST', body: { member: member.id } });
  const after = await b.files.getToken();
  assert.ok((await fetch(b.files.getURL(circle, circle.image, { token: after }))).status >= 400, "a removed member's token");
});

test('three reports hide a nickname until an operator dismisses them', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준', '하윤', '지호']);
  const [a, b, c, d] = people;
  const nicknames = async (pb) =>
    (await pb.collection('members').getFullList({ filter: `circle="${circle.id}"`, sort: 'joined' })).map((m) => [m.nickname, m.hidden]);

  const reports = [];
  for (const reporter of [a, b, c]) {
    reports.push(await reporter.pb.collection('reports').create({ target_type: 'member', target: d.member.id, reason: 'harassment' }));
  }
  const again = await a.pb.collection('reports').create({ target_type: 'member', target: d.member.id, reason: 'spam' });
  assert.equal(again.id, reports[0].id, 'one open report per reporter and target');
  assert.deepEqual((await d.pb.collection('reports').getFullList()).length, 0, 'the target sees no report');

  const seen = await nicknames(b.pb);
  assert.deepEqual(seen[3], ['숨겨진 멤버', true]);
  const poll = await world.poll(a.pb, circle);
  const options = await world.options(a.pb, poll);
  assert.ok(options.some((o) => o.nickname === '숨겨진 멤버' && o.hidden === true), 'the option is hidden too');

  const su = await world.admin();
  for (const r of reports) await su.collection('reports').update(r.id, { status: 'dismissed' });
  assert.deepEqual((await nicknames(b.pb))[3], ['지호', false], 'restored once dismissed');
  for (const r of reports) await su.collection('reports').delete(r.id);
});

test('a blocked person cannot join the blocker\'s circles and cannot tell', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await world.circleOf(['민지', '서준']);
  const [a, b] = people;
  const block = await a.pb.collection('blocks').create({ blocked_member: b.member.id });
  assert.equal((await b.pb.collection('blocks').getFullList()).length, 0, 'the blocked person sees no block');
  await b.pb.send(`/api/circly/circles/${circle.id}/leave`, { method: 'POST' });
  const refused = await rejects(world.join(b.pb, circle, '서준'), 404, 'the rejoin');
  const unknown = await rejects(world.join(b.pb, { invite_code: 'ZZZZZZ' }, '서준'), 404, 'an unknown code');
  assert.deepEqual(refused.response, unknown.response, 'answered like an unknown invite');
  await a.pb.collection('blocks').delete(block.id);
  await world.join(b.pb, circle, '서준');
});
