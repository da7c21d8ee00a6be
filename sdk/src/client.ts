// The typed calls: one method per custom route (and per record create
// whose body the server shapes), each sending exactly the generated body,
// query and answer types of its route (routes.gen.ts).

import type { SendOptions } from 'pocketbase';

import type { CirclesRecord, PollsRecord } from './records.gen.js';
import {
  routes,
  type AuthResponse,
  type CircleCreate,
  type DeviceCredentials,
  type FeedPage,
  type FeedQuery,
  type InvitePreview,
  type JoinAnswer,
  type JoinRequest,
  type PageQuery,
  type PicksPage,
  type PollCreate,
  type RecoverRequest,
  type RecoveryCode,
  type RedeemRequest,
  type Results,
  type RouteName,
  type RouteTypes,
  type TransferCode,
  type VoteAnswer,
  type VoteCreate,
} from './routes.gen.js';

/**
 * What the client needs of a PocketBase JS SDK instance (`new
 * PocketBase(url)`): `send`, and an auth store to keep a sign-in in.
 */
export interface PocketBaseLike {
  send<T = any>(path: string, options: SendOptions): Promise<T>;
  authStore: { save(token: string, record?: any): void };
}

type Part<N extends string, T> = [T] extends [undefined] ? { [P in N]?: undefined } : { [P in N]: T };

/** The options of a call: its path parameters, body and query, as its route takes them. */
export type CallOptions<K extends RouteName> = Part<'params', RouteTypes[K]['params']> &
  Part<'body', RouteTypes[K]['body']> &
  Part<'query', RouteTypes[K]['query']> & {
    /**
     * PocketBase's auto-cancellation key. Default null: a call is never
     * cancelled by another one (two votes of one user in two polls go to
     * the same path).
     */
    requestKey?: string | null;
    headers?: { [key: string]: string };
  };

/** The 200 answer of a call (void: 204, no body). */
export type CallAnswer<K extends RouteName> = RouteTypes[K]['answer'];

/** Fills a route's {name} segments. */
export function routePath(path: string, params: { [key: string]: string } | undefined): string {
  return path.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`missing path parameter ${name} of ${path}`);
    }
    return encodeURIComponent(value);
  });
}

/**
 * Circly's calls on top of a PocketBase client. Errors are the SDK's
 * `ClientResponseError` (status, `response.data.<field>.code`), as with
 * any PocketBase call.
 *
 * ```ts
 * const pb = new PocketBase(url) as TypedPocketBase;
 * const circly = new Circly(pb);
 * await circly.deviceLogin({ device_id, device_secret }); // signs pb in
 * ```
 */
export class Circly {
  constructor(readonly pb: PocketBaseLike) {}

  /** Sends one call by its route name; every typed method below is one of these. */
  call<K extends RouteName>(name: K, options: CallOptions<K>): Promise<CallAnswer<K>> {
    const route = routes[name];
    const { params, body, query, requestKey = null, headers } = options as {
      params?: { [key: string]: string };
      body?: unknown;
      query?: { [key: string]: unknown };
      requestKey?: string | null;
      headers?: { [key: string]: string };
    };
    const send: SendOptions = { method: route.method, requestKey };
    if (body !== undefined) send.body = body;
    if (query !== undefined) send.query = query;
    if (headers !== undefined) send.headers = headers;
    return this.pb.send<CallAnswer<K>>(routePath(route.path, params), send);
  }

  // §1, §11: identity. The three sign-ins keep the answer in pb.authStore.

  /** Signs the device in (a new user on first use) and keeps the token. */
  async deviceLogin(body: DeviceCredentials): Promise<AuthResponse> {
    return this.signIn(await this.call('deviceLogin', { body }));
  }

  /** A transfer code for moving this account to another phone (10 minutes). */
  newTransferCode(): Promise<TransferCode> {
    return this.call('newTransferCode', {});
  }

  /** On the new phone: takes over the account of a transfer code and keeps the token. */
  async redeemTransfer(body: RedeemRequest): Promise<AuthResponse> {
    return this.signIn(await this.call('redeemTransfer', { body }));
  }

  /** A recovery code (shown once; a new one replaces the old). */
  newRecoveryCode(): Promise<RecoveryCode> {
    return this.call('newRecoveryCode', {});
  }

  /** On a new phone: takes over the account of a recovery code and keeps the token. */
  async recover(body: RecoverRequest): Promise<AuthResponse> {
    return this.signIn(await this.call('recover', { body }));
  }

  // §2: circles and invites

  /** Creates a circle; the caller becomes its first member as nickname. */
  createCircle(body: CircleCreate): Promise<CirclesRecord> {
    return this.call('createCircle', { body });
  }

  /** Joins with an invite code (any letter case) or an invite link id. */
  join(body: JoinRequest): Promise<JoinAnswer> {
    return this.call('join', { body });
  }

  /** The creator replaces the circle's invite; the old code and link stop working. */
  newInvite(circleId: string): Promise<CirclesRecord> {
    return this.call('newInvite', { params: { id: circleId } });
  }

  /** Leaves the circle (204: resolves to undefined). */
  async leave(circleId: string): Promise<void> {
    // the SDK reads an empty answer as {}
    await this.call('leave', { params: { id: circleId } });
  }

  /** The creator removes a member (a members record id); the invite is replaced. */
  removeMember(circleId: string, memberId: string): Promise<CirclesRecord> {
    return this.call('removeMember', { params: { id: circleId }, body: { member: memberId } });
  }

  /** What an invite link shows before joining (no sign-in needed). */
  invitePreview(inviteLinkId: string): Promise<InvitePreview> {
    return this.call('invitePreview', { params: { invite_link_id: inviteLinkId } });
  }

  // §4–§6: polls, votes, results

  /** Starts a poll from a question template; deadline: 1 minute to 7 days ahead. */
  createPoll(body: PollCreate): Promise<PollsRecord> {
    return this.call('createPoll', { body });
  }

  /** Votes for an option (an options record id) of a poll. */
  vote(body: VoteCreate): Promise<VoteAnswer> {
    return this.call('vote', { body });
  }

  /** A poll's results; per-option votes and percent are null until revealed. */
  results(pollId: string): Promise<Results> {
    return this.call('results', { params: { id: pollId } });
  }

  // §9: home

  /** The polls the caller may read: open ones by deadline, then closed ones. */
  feed(query: FeedQuery = {}): Promise<FeedPage> {
    return this.call('feed', { query });
  }

  /** The caller's inbox: closed polls in which it was picked, newest first. */
  picks(query: PageQuery = {}): Promise<PicksPage> {
    return this.call('picks', { query });
  }

  private signIn(res: AuthResponse): AuthResponse {
    this.pb.authStore.save(res.token, res.record);
    return res;
  }
}
