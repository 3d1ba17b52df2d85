import * as z from 'zod';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import { FEED_FORMATS, FEED_URL_TTL, type FeedFormat } from '#domain/feed.ts';
import { agreementRefusal, DISCARD_REASON } from '#domain/send-rules.ts';
import { currentKid } from '#domain/signed-links.ts';
import { currentMasterVersion, FEED_MASTER_SOURCE, signingSecretsOf } from '#domain/signing-keys.ts';
import { urlSignature } from '#domain/url-signing.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { Agreement, FeedKey } from '#schemas/agreement.ts';
import type { Deps } from './deps.ts';

/** Keys an agreement may have in use at once: rotation needs two, a few more leave room for mistakes. */
const MAX_ACTIVE_FEED_KEYS = 5;

/** `POST /ops/agreements/{id}/feed-url`. */
export const FeedUrlInput = z
  .object({
    format: z.enum(FEED_FORMATS),
    ttlSeconds: z.number().int().min(FEED_URL_TTL.min).max(FEED_URL_TTL.max).default(FEED_URL_TTL.default),
  })
  .strict();
export type FeedUrlInput = z.input<typeof FeedUrlInput>;

export const feedPath = (agreementId: string, format: FeedFormat) => `/feeds/${agreementId}.${format}`;

/** A GET URL signed with `key` (the query in the one order and spelling that verification accepts). */
export function signedUrl(baseUrl: string, path: string, key: string, kid: string, expires: number): string {
  const sig = urlSignature(key, 'GET', path, expires, kid);
  return `${baseUrl.replace(/\/$/, '')}${path}?expires=${expires}&kid=${kid}&sig=${sig}`;
}

/**
 * The updatedAt of a new version: now, but always after the version it replaces, since updatedAt is
 * the optimistic lock and two changes within one millisecond must still tell each other apart.
 */
function nextUpdatedAt(previous: string, now: Date): string {
  return new Date(Math.max(now.getTime(), Date.parse(previous) + 1)).toISOString();
}

async function agreementOrThrow(deps: Pick<Deps, 'agreements'>, agreementId: string) {
  const agreement = await deps.agreements.get(agreementId);
  if (!agreement) throw new NotFoundError(`agreement ${agreementId} not found`);
  return agreement;
}

/** The next `k<n>`: never a kid used before, retired or not. */
function nextKid(agreement: Agreement): string {
  const used = agreement.feedKeys.map((k) => Number(/^k(\d+)$/.exec(k.kid)?.[1] ?? 0));
  return `k${Math.max(0, ...used) + 1}`;
}

/**
 * A new feed key entry: its material is derived from the current version of the feed master key
 * (created on first use where the store has none: the local runtime, a test), so nothing is written for it.
 */
export async function newFeedKey(secrets: SecretStore, kid: string, createdAt: string): Promise<FeedKey> {
  const master = await signingSecretsOf(secrets).feedMaster({ create: true });
  if (!master) throw new Error('master feed key unavailable');
  return { kid, createdAt, master: currentMasterVersion(master), source: FEED_MASTER_SOURCE };
}

/**
 * The material of `agreementId`'s feed key `kid` (derived, or stored for a key from before); undefined
 * for a kid the agreement does not list, after the same work (see ChannelSecrets.feedKey).
 */
export function feedKeyOf(
  secrets: SecretStore,
  agreement: Agreement | undefined,
  agreementId: string,
  kid: string,
): Promise<string | undefined> {
  return signingSecretsOf(secrets).feedKey(agreement, agreementId, kid);
}

/**
 * What a cache of feed key material is keyed by: the agreement, the kid and where the material comes
 * from (its master key and version, `stored`, or `-` for a kid the agreement does not list), so a kid
 * added after a refusal is never answered from the refusal's entry.
 */
export function feedKeyCacheKey(agreement: Agreement | undefined, agreementId: string, kid: string): string {
  const entry = agreement?.feedKeys.find((k) => k.kid === kid);
  const from =
    entry?.master === undefined
      ? 'stored'
      : `${entry.source === FEED_MASTER_SOURCE ? 'feed' : 'signing'}:${entry.master}`;
  return `${agreementId}\n${kid}\n${entry ? from : '-'}`;
}

/**
 * Adds a feed key: the agreement lists the next kid, derived from the feed master key (an optimistic-locked
 * write, so two rotations at once cannot lose one). New links use the new key; links signed with
 * older keys keep working until those are retired.
 */
export async function addFeedKey(
  deps: Pick<Deps, 'agreements' | 'secrets' | 'clock'>,
  agreementId: string,
): Promise<{ kid: string; createdAt: string; agreement: Agreement }> {
  const agreement = await agreementOrThrow(deps, agreementId);
  if (agreement.feedKeys.filter((k) => !k.retiredAt).length >= MAX_ACTIVE_FEED_KEYS) {
    throw new ConflictError(
      `agreement ${agreementId} has ${MAX_ACTIVE_FEED_KEYS} keys in use: retire one first`,
    );
  }
  const kid = nextKid(agreement);
  const now = deps.clock.now();
  const createdAt = now.toISOString();
  const updated: Agreement = {
    ...agreement,
    feedKeys: [...agreement.feedKeys, await newFeedKey(deps.secrets, kid, createdAt)],
    updatedAt: nextUpdatedAt(agreement.updatedAt, now),
  };
  await deps.agreements.update(updated, agreement.updatedAt);
  return { kid, createdAt, agreement: updated };
}

/**
 * Retires a key: URLs and asset links signed with it are refused from then on. The last key in use
 * cannot be retired, since nothing could be signed after it; retiring a retired key changes nothing.
 */
export async function retireFeedKey(
  deps: Pick<Deps, 'agreements' | 'clock'>,
  agreementId: string,
  kid: string,
): Promise<Agreement> {
  const agreement = await agreementOrThrow(deps, agreementId);
  const key = agreement.feedKeys.find((k) => k.kid === kid);
  if (!key) throw new NotFoundError(`agreement ${agreementId} has no feed key ${kid}`);
  if (key.retiredAt) return agreement;
  if (!agreement.feedKeys.some((k) => k.kid !== kid && !k.retiredAt)) {
    throw new ConflictError(`${kid} is the only key in use: add a new key before retiring it`);
  }
  const now = deps.clock.now();
  const updated: Agreement = {
    ...agreement,
    feedKeys: agreement.feedKeys.map((k) => (k.kid === kid ? { ...k, retiredAt: now.toISOString() } : k)),
    updatedAt: nextUpdatedAt(agreement.updatedAt, now),
  };
  await deps.agreements.update(updated, agreement.updatedAt);
  return updated;
}

/** Mints a signed feed URL with the agreement's current key, for an operator to hand to the partner. */
export async function mintFeedUrl(
  deps: Pick<Deps, 'agreements' | 'secrets' | 'clock' | 'config'>,
  agreementId: string,
  input: z.output<typeof FeedUrlInput>,
): Promise<{ url: string; expiresAt: string; kid: string }> {
  const agreement = await agreementOrThrow(deps, agreementId);
  // A URL for a partner who may no longer pull would only answer 403: refused here, with the reason.
  const refusal = agreementRefusal(agreement, deps.clock.now());
  if (refusal && refusal !== DISCARD_REASON.termNotStarted) {
    const term = refusal === DISCARD_REASON.termEnded ? ` (its term ended ${agreement.validTo})` : '';
    throw new ConflictError(`agreement ${agreementId} may not receive content: ${refusal}${term}`);
  }
  if (!agreement.channels.some((c) => c.type === 'feed')) {
    throw new ConflictError(`agreement ${agreementId} has no feed channel`);
  }
  const kid = currentKid(agreement);
  const key = kid && (await feedKeyOf(deps.secrets, agreement, agreementId, kid));
  if (!kid || !key) throw new ConflictError(`agreement ${agreementId} has no feed key in use: add one`);
  const expires = Math.floor(deps.clock.now().getTime() / 1000) + input.ttlSeconds;
  const url = signedUrl(deps.config.publicBaseUrl, feedPath(agreementId, input.format), key, kid, expires);
  return { url, expiresAt: new Date(expires * 1000).toISOString(), kid };
}
