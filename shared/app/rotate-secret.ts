/**
 * Rotating a webhook or broadcast channel's signing secret with an overlap (docs/webhooks.md,
 * "Rotating the secret"): a new key version derived from the master key becomes current and is
 * answered once; the previous key keeps signing beside it until the overlap ends. Nothing secret is
 * written to the agreement, the history or a log: only key versions and the overlap's end.
 */
import * as z from 'zod';
import { InvalidInputError, NotFoundError } from '#domain/errors.ts';
import {
  activeSigningKeys,
  ChannelSecrets,
  currentMasterVersion,
  DEFAULT_OVERLAP_HOURS,
  deriveChannelSecret,
  nextKeyVersion,
  type SignedChannel,
} from '#domain/signing-keys.ts';
import type { Agreement, Channel, SigningKey } from '#schemas/agreement.ts';
import type { Deps } from './deps.ts';
import { getAgreement } from './ops/agreements.ts';

/** `POST /ops/agreements/{id}/channels/{channelId}/rotate-secret`: how long both secrets sign. */
export const RotateSecretInput = z
  .object({ overlapHours: z.number().int().min(0).max(720).default(DEFAULT_OVERLAP_HOURS) })
  .strict();
export type RotateSecretInput = z.input<typeof RotateSecretInput>;

/** What a rotation answers, once: the new secret, its version, and when the previous one stops signing. */
export interface RotatedSecret {
  secret: string;
  version: number;
  /** The end of the overlap; null when no previous key signs on (an overlap of 0 hours). */
  previousValidUntil: string | null;
}

/** Previous keys that may sign beside the current one: two rotations in one overlap keep both. */
const MAX_PREVIOUS_KEYS = 2;

const isSigned = (c: Channel): c is SignedChannel =>
  c.type === 'webhook' || (c.type === 'broadcast' && c.target === 'http');

function signedChannel(agreement: Agreement, channelId: string): SignedChannel {
  const channel = agreement.channels.find((c) => c.channelId === channelId);
  if (!channel) throw new NotFoundError(`channel ${channelId} is not on agreement ${agreement.agreementId}`);
  if (!isSigned(channel)) {
    throw new InvalidInputError('invalid request', [
      `channel ${channelId} is a ${channel.type} channel: only webhook and broadcast-over-HTTP channels sign`,
    ]);
  }
  return channel;
}

/**
 * Makes a new key version current on a channel and answers its secret (the only time it is shown).
 * The previous key (a derived version, or the stored secret of a channel from before) signs too until
 * `now + overlapHours`; the write is optimistic-locked, so two rotations at once cannot lose one.
 */
export async function rotateChannelSecret(
  deps: Pick<Deps, 'agreements' | 'secrets' | 'clock'>,
  agreementId: string,
  channelId: string,
  input: RotateSecretInput,
): Promise<RotatedSecret> {
  const { overlapHours } = RotateSecretInput.parse(input);
  const agreement = await getAgreement(deps, agreementId);
  const channel = signedChannel(agreement, channelId);
  const master = await new ChannelSecrets(deps.secrets).master({ create: true });
  if (!master) throw new Error('master signing key unavailable');
  const now = deps.clock.now();
  const until = new Date(now.getTime() + overlapHours * 3_600_000).toISOString();
  const key = {
    version: nextKeyVersion(channel),
    master: currentMasterVersion(master),
    derivedFor: agreementId,
  };
  const previous: SigningKey[] =
    overlapHours === 0
      ? []
      : activeSigningKeys(channel, now)
          .slice(0, MAX_PREVIOUS_KEYS)
          .map((k) => ({ ...k, validUntil: k.validUntil && k.validUntil < until ? k.validUntil : until }));
  const { secretRef: _stored, ...rest } = channel;
  const rotated: SignedChannel = { ...rest, signingKeys: [key, ...previous] };
  const updated: Agreement = {
    ...agreement,
    channels: agreement.channels.map((c) => (c.channelId === channelId ? rotated : c)),
    updatedAt: new Date(Math.max(now.getTime(), Date.parse(agreement.updatedAt) + 1)).toISOString(),
  };
  await deps.agreements.update(updated, agreement.updatedAt);
  return {
    secret: deriveChannelSecret(master, { channelId, ...key, agreementId }),
    version: key.version,
    previousValidUntil: previous.length ? until : null,
  };
}

/**
 * The secrets a channel signs with now, current first (a partner's side: the local demo's fakes and
 * the tests verify with them). Empty for an unknown agreement or channel.
 */
export async function channelSigningSecrets(
  deps: Pick<Deps, 'agreements' | 'secrets' | 'clock'>,
  agreementId: string,
  channelId: string,
): Promise<string[]> {
  const channel = (await deps.agreements.get(agreementId))?.channels.find((c) => c.channelId === channelId);
  if (!channel || !isSigned(channel)) return [];
  return new ChannelSecrets(deps.secrets).of(agreementId, channel, deps.clock.now());
}
