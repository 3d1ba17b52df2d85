/**
 * The rules every replay follows, one delivery at a time (a single replay, and each delivery of a bulk
 * replay): the agreement must be active and in term, a withdrawn article is never sent again, feed
 * deliveries have nothing to resend, and a delivery already under way is left alone. The partner sees
 * the same `webhook-id` (it is derived from the delivery), so it can de-duplicate.
 */
import type { Delivery } from '#domain/delivery.ts';
import { ConflictError } from '#domain/errors.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import { decideRoute } from '#domain/routing.ts';
import { supersededBy } from '#domain/send-rules.ts';
import { isPushed } from '#ports/work-queue.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Deps } from '../deps.ts';
import { newDelivery } from '../route-package.ts';

const REFUSAL = {
  agreementGone: 'agreement-gone',
  agreementInactive: 'agreement-inactive',
  termOver: 'agreement-out-of-term',
  channelGone: 'channel-gone',
  feed: 'feed-channel',
  withdrawn: 'article-withdrawn',
  inProgress: 'in-progress',
  latestNotRouted: 'latest-not-routed',
  superseded: 'superseded',
} as const;
type Refusal = (typeof REFUSAL)[keyof typeof REFUSAL];

/** A replay refused for a reason the operator can act on; `offer` names what may be sent instead. */
export class ReplayRefusedError extends ConflictError {
  constructor(
    message: string,
    readonly reason: Refusal,
    readonly offer?: 'withdrawal-notice' | 'latest',
  ) {
    super(message);
  }
}

export const REPLAY_VERSION = { original: 'original', latest: 'latest' } as const;
export type ReplayVersion = (typeof REPLAY_VERSION)[keyof typeof REPLAY_VERSION];

type ReopenDeps = Pick<Deps, 'agreements' | 'deliveries' | 'routing' | 'withdrawals' | 'queue'>;

/** Reads shared by the deliveries of one bulk run: each agreement and article is looked up once. */
export class ReplayLookups {
  readonly #agreements = new Map<string, Promise<Agreement | undefined>>();
  readonly #channels = new Map<string, Promise<Delivery[]>>();
  readonly #withdrawals = new Map<string, Promise<string | undefined>>();
  constructor(private readonly deps: ReopenDeps) {}

  agreement(id: string): Promise<Agreement | undefined> {
    const found = this.#agreements.get(id) ?? this.deps.agreements.get(id);
    this.#agreements.set(id, found);
    return found;
  }

  /**
   * When the article was withdrawn: its marker (ContentWithdrawn writes it), else a feed tombstone
   * left before markers existed; undefined when it was not.
   */
  withdrawnAt(articleId: string): Promise<string | undefined> {
    const found =
      this.#withdrawals.get(articleId) ??
      this.deps.withdrawals
        .get(articleId)
        .then(
          async (w) =>
            w?.withdrawnAt ??
            (await this.deps.deliveries.listTombstonedBeforeMarkers(articleId))[0]?.withdrawnAt,
        );
    this.#withdrawals.set(articleId, found);
    return found;
  }

  /** The article's deliveries on one agreement × channel (one shard of the article index). */
  onChannel(articleId: string, agreementId: string, channelId: string): Promise<Delivery[]> {
    const key = `${articleId}\n${agreementId}\n${channelId}`;
    const found =
      this.#channels.get(key) ?? this.deps.deliveries.listOnChannel(articleId, agreementId, channelId);
    this.#channels.set(key, found);
    return found;
  }
}

/** The deliveries of `d`'s article on the same agreement × channel (publishes and takedowns). */
async function onSameChannel(d: Delivery, lookups: ReplayLookups): Promise<Delivery[]> {
  return lookups.onChannel(d.articleId, d.agreementId, d.channelId);
}

/** Throws ReplayRefusedError when nothing may be sent for `d` under its agreement now. */
async function checkSendable(
  d: Delivery,
  agreement: Agreement | undefined,
  lookups: ReplayLookups,
  now: Date,
  version: ReplayVersion,
) {
  if (!agreement) throw new ReplayRefusedError(`agreement ${d.agreementId} is gone`, REFUSAL.agreementGone);
  if (agreement.status !== 'active') {
    throw new ReplayRefusedError(
      `agreement ${d.agreementId} is ${agreement.status}: nothing is sent under it`,
      REFUSAL.agreementInactive,
    );
  }
  const today = now.toISOString().slice(0, 10);
  if (today > agreement.validTo || today < agreement.validFrom) {
    throw new ReplayRefusedError(
      `agreement ${d.agreementId} is out of term (${agreement.validFrom} to ${agreement.validTo}): nothing is sent under it`,
      REFUSAL.termOver,
    );
  }
  if (d.channelType === 'feed') {
    throw new ReplayRefusedError(
      `delivery ${d.deliveryId} is on a feed channel: the partner pulls it, there is nothing to resend`,
      REFUSAL.feed,
    );
  }
  if (!agreement.channels.some((c) => c.channelId === d.channelId)) {
    throw new ReplayRefusedError(
      `channel ${d.channelId} is no longer on agreement ${d.agreementId}`,
      REFUSAL.channelGone,
    );
  }
  // A takedown notice may always be sent again; the article itself never, once withdrawn.
  if (d.kind === 'withdrawal') return;
  const withdrawnAt = await lookups.withdrawnAt(d.articleId);
  if (withdrawnAt) {
    throw new ReplayRefusedError(
      `article ${d.articleId} was withdrawn at ${withdrawnAt}: it is never sent again (a withdrawal notice can be sent instead)`,
      REFUSAL.withdrawn,
      'withdrawal-notice',
    );
  }
  // Never an older version after a newer one: replaying a superseded version is refused, and the
  // operator may ask for the latest instead (docs/operators.md).
  const newer =
    version === REPLAY_VERSION.original && supersededBy(d.version, await onSameChannel(d, lookups));
  if (newer) {
    throw new ReplayRefusedError(
      `version ${d.version} of ${d.articleId} is superseded by version ${newer} on this channel: an older version is never sent after a newer one (replay with version "latest" to send ${newer})`,
      REFUSAL.superseded,
      'latest',
    );
  }
}

/**
 * The delivery to reopen for `version`: `d` itself, or the delivery of the article's latest routed
 * version on the same agreement and channel, created (from what routing kept) when it does not exist.
 */
async function target(
  deps: ReopenDeps,
  d: Delivery,
  agreement: Agreement,
  version: ReplayVersion,
  now: Date,
  lookups: ReplayLookups,
): Promise<{ deliveryId: string; created?: Delivery }> {
  if (version === REPLAY_VERSION.original || d.kind === 'withdrawal') return { deliveryId: d.deliveryId };
  // The newest version already on this channel (a correction reaches partners routing no longer covers).
  const newest = (await onSameChannel(d, lookups))
    .filter((x) => (x.kind ?? 'publish') === 'publish' && x.version > d.version && x.status !== 'discarded')
    .sort((a, b) => b.version - a.version)[0];
  const [latest] = await deps.routing.list(d.articleId);
  if (newest && (!latest || latest.version <= newest.version)) return { deliveryId: newest.deliveryId };
  if (!latest || latest.version <= d.version) return { deliveryId: d.deliveryId };
  const stored = latest.decisions.find((x) => x.agreementId === d.agreementId);
  const decision = stored ?? (latest.ready && decideRoute(agreement, latest.ready, now));
  if (!decision?.covered || !latest.ready) {
    throw new ReplayRefusedError(
      `the latest version (${latest.version}) of ${d.articleId} was not routed to ${d.agreementId}: ${decision?.reason ?? 'no routing kept'}`,
      REFUSAL.latestNotRouted,
    );
  }
  const deliveryId = deliveryIdFor(d.agreementId, d.channelId, d.articleId, latest.version);
  if (await deps.deliveries.get(deliveryId)) return { deliveryId };
  const channel = agreement.channels.find((c) => c.channelId === d.channelId);
  if (!channel) throw new ReplayRefusedError(`channel ${d.channelId} is gone`, REFUSAL.channelGone);
  return { deliveryId, created: newDelivery(agreement, channel, latest.ready, now, now, 'replay:latest') };
}

interface Reopened {
  deliveryId: string;
  version: number;
  /** True when the latest version had no delivery on this channel yet and one was made. */
  created: boolean;
}

/**
 * Reopens one finished delivery (or creates its latest version's) and enqueues a manual attempt.
 * The reopen is conditional on the status read, so a delivery is never replayed twice at once.
 */
export async function reopenOne(
  deps: ReopenDeps,
  d: Delivery,
  opts: { at: Date; replayId: string; version: ReplayVersion; lookups?: ReplayLookups },
): Promise<Reopened> {
  const lookups = opts.lookups ?? new ReplayLookups(deps);
  const agreement = await lookups.agreement(d.agreementId);
  await checkSendable(d, agreement, lookups, opts.at, opts.version);
  const chosen = await target(deps, d, agreement as Agreement, opts.version, opts.at, lookups);
  let version = d.version;
  if (chosen.created) {
    version = chosen.created.version;
    const fresh = { ...chosen.created, lastReplayAt: opts.at.toISOString(), lastReplayId: opts.replayId };
    if (!(await deps.deliveries.create(fresh))) throw inProgress(chosen.deliveryId);
  } else {
    const reopened = await deps.deliveries.reopenForReplay(
      chosen.deliveryId,
      opts.at.toISOString(),
      opts.replayId,
    );
    if (!reopened) throw inProgress(chosen.deliveryId);
    version = reopened.version;
  }
  if (isPushed(d.channelType)) {
    await deps.queue.enqueue(d.channelType, [{ deliveryId: chosen.deliveryId, trigger: 'manual' }]);
  }
  return { deliveryId: chosen.deliveryId, version, created: Boolean(chosen.created) };
}

const inProgress = (deliveryId: string) =>
  new ReplayRefusedError(
    `delivery ${deliveryId} is not finished (an attempt or another replay is under way): only a finished delivery can be replayed`,
    REFUSAL.inProgress,
  );

/** What a replay of `d` would do, without doing it: the delivery and version it would send, or why not. */
export async function previewOne(
  deps: ReopenDeps,
  d: Delivery,
  opts: { at: Date; version: ReplayVersion; lookups: ReplayLookups },
): Promise<{ wouldSend: { deliveryId: string; version: number } } | { refused: Refusal; error: string }> {
  try {
    const agreement = await opts.lookups.agreement(d.agreementId);
    await checkSendable(d, agreement, opts.lookups, opts.at, opts.version);
    const chosen = await target(deps, d, agreement as Agreement, opts.version, opts.at, opts.lookups);
    const sent = chosen.created ?? (await deps.deliveries.get(chosen.deliveryId)) ?? d;
    return { wouldSend: { deliveryId: chosen.deliveryId, version: sent.version } };
  } catch (error) {
    if (error instanceof ReplayRefusedError) return { refused: error.reason, error: error.message };
    throw error;
  }
}
