/**
 * The rules every attempt to send an article obeys, whatever started it (first attempt, retry, replay
 * of one, bulk replay, backfill, sweep, correction): embargo, term and status, supersession. They are
 * checked by the worker just before it sends (app/deliver.ts), so no path can go around them; routing
 * and replays ask the same questions earlier only to schedule or to refuse with a reason.
 */
import type { Agreement, ChannelType } from '#schemas/agreement.ts';

export const DISCARD_REASON = {
  termEnded: 'term-ended',
  termNotStarted: 'term-not-started',
  suspended: 'agreement suspended',
  expired: 'agreement expired',
  superseded: 'superseded',
} as const;
type DiscardReason = (typeof DISCARD_REASON)[keyof typeof DISCARD_REASON];

/** Channels whose content is public as soon as it is sent: they never go before an embargo. */
function isPublicChannel(type: ChannelType): boolean {
  return type === 'social';
}

/**
 * When an article may first be sent on a channel under an agreement: at `embargoUntil` when the
 * channel is public (social) or the channel holds (a feed, or an agreement in `hold` mode), else now.
 * Pass-through webhook and broadcast go at once with the embargo stated in the payload.
 */
export function releaseAt(
  agreement: Pick<Agreement, 'embargo'>,
  channelType: ChannelType,
  embargoUntil: string | undefined,
  now: Date,
): Date {
  const until = embargoUntil ? Date.parse(embargoUntil) : Number.NaN;
  if (Number.isNaN(until) || until <= now.getTime()) return now;
  const holds = agreement.embargo === 'hold' || isPublicChannel(channelType) || channelType === 'feed';
  return holds ? new Date(until) : now;
}

/** Whether the agreement's term covers `now`: whole days in UTC, both ends included. */
export function termState(
  agreement: Pick<Agreement, 'validFrom' | 'validTo'>,
  now: Date,
): 'in-term' | 'not-started' | 'ended' {
  const today = now.toISOString().slice(0, 10);
  if (today < agreement.validFrom) return 'not-started';
  if (today > agreement.validTo) return 'ended';
  return 'in-term';
}

/**
 * Whether anything new may be sent under the agreement now: null when it may, else why not. A takedown
 * (`withdrawal`) still reaches a suspended or ended agreement: what it withdraws must come down.
 */
export function agreementRefusal(
  agreement: Pick<Agreement, 'status' | 'validFrom' | 'validTo'>,
  now: Date,
  kind: 'publish' | 'withdrawal' = 'publish',
): DiscardReason | null {
  if (kind === 'withdrawal') return agreement.status === 'expired' ? DISCARD_REASON.expired : null;
  if (agreement.status === 'suspended') return DISCARD_REASON.suspended;
  if (agreement.status === 'expired') return DISCARD_REASON.expired;
  const term = termState(agreement, now);
  if (term === 'ended') return DISCARD_REASON.termEnded;
  if (term === 'not-started') return DISCARD_REASON.termNotStarted;
  return null;
}

/** What a partner's channel holds of an article: the versions of it sent there (publishes). */
interface SentVersion {
  version: number;
  status: string;
  kind?: string;
}

/**
 * The newest version of the article that already reached (or is on its way to) the same agreement ×
 * channel and is newer than `version`; undefined when `version` is the newest. An older version is
 * never sent after a newer one.
 */
export function supersededBy(version: number, onChannel: readonly SentVersion[]): number | undefined {
  let newest: number | undefined;
  for (const s of onChannel) {
    if ((s.kind ?? 'publish') !== 'publish' || s.version <= version) continue;
    if (s.status === 'discarded') continue;
    if (newest === undefined || s.version > newest) newest = s.version;
  }
  return newest;
}
