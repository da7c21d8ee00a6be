// §1 Identity: device login, token refresh, the user's own record.

import assert from 'node:assert/strict';

import { fixture, rejects, sharedServer } from '../lib/circly.mjs';
import { deviceLogin, newClient, randomToken, setRateLimits } from '../lib/server.mjs';

let server;
const test = sharedServer({}, (s) => (server = s));

const login = (pb, body) => pb.send('/api/circly/auth/device', { method: 'POST', body });

test('device login registers a device, logs it in again, refuses a wrong secret and refreshes', async (t) => {
  const world = fixture(t, server);
  const device_id = `e2e-phone:${randomToken(12)}`;
  const device_secret = randomToken(48);

  const first = newClient(server.url);
  const created = await login(first, { device_id, device_secret });
  world.trackUser(created.record.id);

  assert.equal(typeof created.token, 'string');
  assert.ok(created.token.length > 20, 'a token');
  assert.deepEqual(created.meta, { created: true });
  const claims = JSON.parse(Buffer.from(created.token.split('.')[1], 'base64url').toString());
  const days = (claims.exp - Date.now() / 1000) / 86_400;
  assert.ok(days > 6.99 && days <= 7.001, `the token is valid for 7 days (${days.toFixed(4)})`);
  assert.equal(created.record.collectionName, 'users');
  assert.equal(created.record.device_id, device_id);
  assert.equal(created.record.is_active, true);
  assert.equal(created.record.push_token, '');
  for (const hidden of ['device_secret', 'device_secret_hash', 'password', 'tokenKey']) {
    assert.ok(!(hidden in created.record), `the record does not show ${hidden}`);
  }

  const again = await login(newClient(server.url), { device_id, device_secret });
  assert.deepEqual(again.meta, { created: false });
  assert.equal(again.record.id, created.record.id, 'the same user');

  await rejects(login(newClient(server.url), { device_id, device_secret: randomToken(48) }), 401, 'a wrong secret');
  await rejects(login(newClient(server.url), { device_id: 'short', device_secret }), 400, 'a too short device_id');
  await rejects(login(newClient(server.url), { device_id: 'e2e bad id!', device_secret }), 400, 'a device_id with spaces');
  await rejects(login(newClient(server.url), { device_id: `e2e-${randomToken(12)}`, device_secret: 'x'.repeat(31) }), 400,
    'a too short secret');

  // the app keeps the answer and refreshes with the built-in call
  const app = newClient(server.url);
  app.authStore.save(again.token, again.record);
  assert.ok(app.authStore.isValid);
  const refreshed = await app.collection('users').authRefresh();
  assert.equal(refreshed.record.id, created.record.id);
  assert.equal(typeof refreshed.token, 'string');
  assert.equal(app.authStore.record.id, created.record.id, 'the auth store holds the refreshed auth');
  const me = await app.collection('users').getOne(created.record.id);
  assert.equal(me.device_id, device_id);
});

test('a user sets and clears its push token and changes nothing else', async (t) => {
  const world = fixture(t, server);
  const pb = await world.user();
  const id = pb.me.id;

  let me = await pb.collection('users').update(id, { push_token: 'ExponentPushToken[abc]' });
  assert.equal(me.push_token, 'ExponentPushToken[abc]');
  me = await pb.collection('users').update(id, { push_token: 'ExpoPushToken[xYz-123_AB]' });
  assert.equal(me.push_token, 'ExpoPushToken[xYz-123_AB]');

  for (const bad of ['abc', 'ExponentPushToken[]', 'ExponentPushToken[abc', 'fcm:APA91bH-raw', '00000000-0000-0000-0000-000000000000']) {
    await rejects(pb.collection('users').update(id, { push_token: bad }), 400, `push_token ${JSON.stringify(bad)}`);
  }
  assert.equal((await pb.collection('users').getOne(id)).push_token, 'ExpoPushToken[xYz-123_AB]', 'bad tokens change nothing');

  await rejects(pb.collection('users').update(id, { device_id: `e2e-${randomToken(12)}` }), 400, 'changing device_id');
  await rejects(pb.collection('users').update(id, { is_active: false }), 400, 'changing is_active');
  await rejects(pb.collection('users').update(id, { push_token: '', email: 'me@example.com' }), 400, 'changing email');

  me = await pb.collection('users').update(id, { push_token: '' });
  assert.equal(me.push_token, '', 'an empty token stops pushes');
  me = await pb.collection('users').getOne(id);
  assert.equal(me.is_active, true);
  assert.equal(me.device_id, pb.device.device_id);
});

test('nobody lists users, and a user sees and changes only itself', async (t) => {
  const world = fixture(t, server);
  const alice = await world.user();
  const bob = await world.user();

  await rejects(alice.collection('users').getList(1, 50), [403], 'listing users');
  await rejects(world.anonymous().collection('users').getList(1, 50), [403], 'listing users without auth');
  await rejects(alice.collection('users').getOne(bob.me.id), 404, 'viewing another user');
  await rejects(alice.collection('users').update(bob.me.id, { push_token: 'ExponentPushToken[hijack]' }), 404,
    'updating another user');
  await rejects(alice.collection('users').delete(bob.me.id), 404, 'deleting another user');
  await rejects(alice.collection('users').create({ device_id: `e2e-${randomToken(12)}`, password: 'p'.repeat(12),
    passwordConfirm: 'p'.repeat(12) }), [400, 403], 'creating a user through the collection API');
  await rejects(alice.collection('users').authWithPassword(bob.me.device_id, 'anything'), [400, 403],
    'password login');
  assert.equal((await bob.collection('users').getOne(bob.me.id)).push_token, '', 'bob is untouched');
});

test('a disabled user is refused at login, at refresh and with an old token', async (t) => {
  const world = fixture(t, server);
  const pb = await world.user();
  const su = await world.admin();
  await su.collection('users').update(pb.me.id, { is_active: false });

  await rejects(deviceLogin(newClient(server.url), pb.device), 403, 'login of a disabled user');
  await rejects(pb.collection('users').authRefresh(), 403, 'refresh of a disabled user');
  await rejects(pb.collection('users').getOne(pb.me.id), 403, 'a request with the old token');
});

test('device login answers 429 once the per-IP limit is used up', async (t) => {
  // registered first, so the limiter is off again before the fixture cleans up
  t.after(() => setRateLimits(server, false));
  const world = fixture(t, server);
  await setRateLimits(server, true);

  const statuses = [];
  for (let i = 0; i < 25 && !statuses.includes(429); i++) {
    try {
      const pb = newClient(server.url);
      const res = await deviceLogin(pb);
      world.trackUser(res.record.id);
      statuses.push(200);
    } catch (err) {
      statuses.push(err.status);
      if (err.status === 429) {
        assert.equal(err.response.status, 429);
        assert.match(err.response.message, /./);
      }
    }
  }
  // device login allows 20 a minute per IP
  assert.deepEqual(statuses, [...Array(20).fill(200), 429]);
});
