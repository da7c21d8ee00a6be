// §12 Push copy: an operator edits the copy in the dashboard (the superuser
// records API, as the dashboard calls it) and the next push carries it; a
// user whose locale is "en" gets the English copy.

import assert from 'node:assert/strict';

import { fixture, rejects } from '../lib/circly.mjs';
import { circleWithTokens, pushServer, pushesTo } from '../lib/push.mjs';

let server;
let expo;
const test = pushServer((s, e) => {
  server = s;
  expo = e;
});

/** The push_copy row of (kind, locale). */
async function copyOf(su, kind, locale) {
  return su.collection('push_copy').getFirstListItem(`kind = "${kind}" && locale = "${locale}"`);
}

test('an edited poll_started copy reaches the next push', async (t) => {
  const world = fixture(t, server);
  const su = await world.admin();
  const row = await copyOf(su, 'poll_started', 'ko');
  t.after(() => su.collection('push_copy').update(row.id, { title: row.title, body: row.body }));
  await su.collection('push_copy').update(row.id, {
    title: '📣 {$.circle.name} 오늘의 질문',
    body: 'Q. {$.poll.question_text}',
  });

  const { circle, people } = await circleWithTokens(world, ['민지', '서준', '하윤']);
  const [creator, ...others] = people;
  const poll = await world.poll(creator.pb, circle);
  const pushes = await pushesTo(expo, others, { kind: 'poll_started', poll: poll.id });
  for (const person of others) {
    const [push] = pushes[person.token];
    assert.equal(push.title, `📣 ${circle.name} 오늘의 질문`);
    assert.equal(push.body, `Q. ${poll.question_text}`);
  }
});

test('a malformed placeholder is refused when saved', async (t) => {
  const world = fixture(t, server);
  const su = await world.admin();
  const row = await copyOf(su, 'results', 'en');
  const err = await rejects(su.collection('push_copy').update(row.id, { title: 'Results for {$.circle.name' }), 400,
    'an unclosed placeholder');
  assert.equal(err.response.data.title.code, 'validation_push_copy_placeholder');
  assert.equal((await copyOf(su, 'results', 'en')).title, row.title, 'the copy is unchanged');
});

test('a user with locale "en" gets English copy, a "ko" user Korean', async (t) => {
  const world = fixture(t, server);
  const { circle, people } = await circleWithTokens(world, ['민지', 'Sam', '하윤']);
  const [creator, sam, hayun] = people;
  await sam.pb.collection('users').update(sam.pb.me.id, { locale: 'en' });
  await hayun.pb.collection('users').update(hayun.pb.me.id, { locale: 'ko' });
  await rejects(hayun.pb.collection('users').update(hayun.pb.me.id, { locale: 'fr' }), 400, 'an unknown locale');

  const poll = await world.poll(creator.pb, circle);
  const pushes = await pushesTo(expo, [sam, hayun], { kind: 'poll_started', poll: poll.id });
  const [en] = pushes[sam.token];
  const [ko] = pushes[hayun.token];
  assert.equal(en.title, `📊 New question in ${circle.name}`);
  assert.equal(en.body, poll.question_text);
  assert.ok(ko.title.includes('새 질문'), `Korean title: ${ko.title}`);
  assert.deepEqual(en.data, ko.data, 'the data payload does not depend on the locale');
});
