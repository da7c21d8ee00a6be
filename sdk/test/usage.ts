// Compiled with `tsc --noEmit` (npm test): the way an app uses the typed
// client. Never run. Each @ts-expect-error is a mistake the types must
// refuse; if one stops being an error, the type check fails.

import PocketBase, { ClientResponseError } from 'pocketbase';

import {
  Circly,
  Collections,
  type AuthResponse,
  type CirclesRecord,
  type FeedItem,
  type OptionsRecord,
  type PollsRecord,
  type Results,
  type TypedPocketBase,
  type UsersRecord,
} from '../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

export async function story(url: string): Promise<void> {
  const pb = new PocketBase(url) as TypedPocketBase;
  const circly = new Circly(pb);

  const auth: AuthResponse = await circly.deviceLogin({ device_id: 'phone-1234', device_secret: 'x'.repeat(40) });
  expectType<Equal<typeof auth.record, UsersRecord>>();
  expectType<Equal<typeof auth.meta.created, boolean>>();
  // @ts-expect-error the body needs device_secret
  await circly.deviceLogin({ device_id: 'phone-1234' });

  const circle = await circly.createCircle({ name: '토요 모임', nickname: '민지', max_members: 10 });
  expectType<Equal<typeof circle, CirclesRecord>>();
  const joined = await circly.join({ invite_code: circle.invite_code, nickname: '서준' });
  await circly.join({ invite_link_id: circle.invite_link_id, nickname: '서준' });
  expectType<Equal<typeof joined.member.is_active, boolean>>();
  // @ts-expect-error a join needs a nickname
  await circly.join({ invite_code: circle.invite_code });
  const preview = await circly.invitePreview(circle.invite_link_id);
  expectType<Equal<typeof preview.member_count, number>>();

  // collections are typed
  const members = await pb.collection('members').getFullList({ filter: pb.filter('circle = {:id}', { id: circle.id }) });
  expectType<Equal<(typeof members)[number]['nickname'], string>>();
  const templates = await pb.collection(Collections.Templates).getList(1, 10, { sort: '-usage_count' });
  const template = templates.items[0]!;
  expectType<Equal<typeof template.question_text, string>>();
  // @ts-expect-error polls have no field "title"
  (await pb.collection('polls').getOne('x')).title;

  const poll = await circly.createPoll({ circle: circle.id, template: template.id, deadline: '2030-01-01 00:00:00.000Z' });
  expectType<Equal<typeof poll, PollsRecord>>();
  expectType<Equal<typeof poll.status, 'open' | 'closed'>>();
  const options: OptionsRecord[] = await pb.collection('options').getFullList({ filter: pb.filter('poll = {:id}', { id: poll.id }) });
  const answer = await circly.vote({ poll: poll.id, option: options[0]!.id });
  expectType<Equal<typeof answer.collectionName, 'votes'>>();
  // @ts-expect-error a vote names its option
  await circly.vote({ poll: poll.id });

  const results: Results = await circly.results(poll.id);
  for (const o of results.options) {
    expectType<Equal<typeof o.votes, number | null>>();
    if (o.percent !== null) o.percent.toFixed(1);
  }

  const page = await circly.feed({ status: 'open', perPage: 50 });
  const item: FeedItem | undefined = page.items[0];
  if (item) expectType<Equal<typeof item.poll, PollsRecord>>();
  // @ts-expect-error the feed's status is open or closed
  await circly.feed({ status: 'all' });
  const inbox = await circly.picks();
  expectType<Equal<typeof inbox.items[number]['votes'], number>>();

  // the generic call: a route's own types
  const same = await circly.call('results', { params: { id: poll.id } });
  expectType<Equal<typeof same, Results>>();
  // @ts-expect-error results needs its id
  await circly.call('results', {});

  const renewed: CirclesRecord = await circly.newInvite(circle.id);
  const smaller: CirclesRecord = await circly.removeMember(renewed.id, joined.member.id);
  expectType<Equal<typeof smaller.member_count, number>>();
  // @ts-expect-error remove names the member by its id
  await circly.removeMember(circle.id);
  const left: void = await circly.leave(circle.id);
  void left;

  const code = await circly.newTransferCode();
  await new Circly(new PocketBase(url)).redeemTransfer({ code: code.code, device_id: 'phone-5678', device_secret: 'y'.repeat(40) });
  const { recovery_code } = await circly.newRecoveryCode();
  const back: AuthResponse = await new Circly(new PocketBase(url)).recover({ recovery_code, device_id: 'phone-9012', device_secret: 'z'.repeat(40) });
  expectType<Equal<typeof back.record.id, string>>();
  // @ts-expect-error recover takes a recovery_code, not a code
  await circly.recover({ code: recovery_code, device_id: 'phone-9012', device_secret: 'z'.repeat(40) });

  // realtime events carry the record type
  await pb.collection('options').subscribe('*', (e) => {
    expectType<Equal<typeof e.record.vote_count, number>>();
  }, { filter: pb.filter('poll = {:id}', { id: poll.id }) });

  try {
    await circly.join({ invite_code: 'ZZZZZZ', nickname: '서준' });
  } catch (err) {
    if (err instanceof ClientResponseError && err.status === 404) return;
    throw err;
  }
}
