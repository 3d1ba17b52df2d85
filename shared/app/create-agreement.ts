import { ConflictError, InvalidInputError } from '#domain/errors.ts';
import { newId } from '#domain/ids.ts';
import { currentMasterVersion, deriveChannelSecret, signingSecretsOf } from '#domain/signing-keys.ts';
import { targetUrlProblem } from '#domain/target-policy.ts';
import {
  type Agreement,
  type Channel,
  type ChannelInput,
  type CreateAgreementInput,
  SOCIAL_BASE_URL,
} from '#schemas/agreement.ts';
import type { Deps } from './deps.ts';
import { newFeedKey } from './feed-keys.ts';

/** Where a webhook channel's own secret lives: one the operator gave, or one from before derived keys. */
export const webhookSecretRef = (agreementId: string, channelId: string) =>
  `loa/agreements/${agreementId}/channels/${channelId}/webhook-secret`;

/** Where a broadcast HTTP channel's own signing secret lives (given by the operator, or from before). */
export const signingSecretRef = (agreementId: string, channelId: string) =>
  `loa/agreements/${agreementId}/channels/${channelId}/signing-secret`;

/** Where a social channel's network credentials (JSON) live. */
export const credentialsRef = (agreementId: string, channelId: string) =>
  `loa/agreements/${agreementId}/channels/${channelId}/credentials`;

export interface CreatedAgreement {
  agreement: Agreement;
  /** Webhook secrets Loa generated, by channelId: shown once, here, and never again. */
  generatedSecrets: Record<string, string>;
}

/** Names channels `webhook`, `webhook-2`, … where the operator gave no id, never reusing an id given or made. */
function channelIds(input: CreateAgreementInput): string[] {
  const taken = new Set(input.channels.flatMap((c) => (c.channelId ? [c.channelId] : [])));
  const counts = new Map<string, number>();
  return input.channels.map((c) => {
    if (c.channelId) return c.channelId;
    let id: string;
    do {
      const n = (counts.get(c.type) ?? 0) + 1;
      counts.set(c.type, n);
      id = n === 1 ? c.type : `${c.type}-${n}`;
    } while (taken.has(id));
    taken.add(id);
    return id;
  });
}

/** The URLs a channel calls (a push target, a network's API and token endpoint), by field name. */
function targetsOf(c: ChannelInput): { field: string; url: string }[] {
  if (c.type === 'webhook' || (c.type === 'broadcast' && c.target === 'http'))
    return [{ field: 'url', url: c.url }];
  if (c.type !== 'social') return [];
  return [
    ...(c.baseUrl ? [{ field: 'baseUrl', url: c.baseUrl }] : []),
    ...(c.authBaseUrl ? [{ field: 'authBaseUrl', url: c.authBaseUrl }] : []),
  ];
}

/** Target URLs the SSRF guard refuses, named by field as the schema's problems are. */
function refusedTargets(input: CreateAgreementInput, allowPrivateTargets: boolean): string[] {
  return input.channels.flatMap((c, i) =>
    targetsOf(c).flatMap(({ field, url }) => {
      const problem = targetUrlProblem(url, { allowPrivateTargets });
      return problem ? [`channels.${i}.${field}: ${problem}`] : [];
    }),
  );
}

/**
 * Creates an agreement. A generated webhook or broadcast signing secret is derived from the master key
 * (version 1: shown once, stored nowhere), and so is the first feed key, `k1` (stored nowhere, never
 * shown); a secret the operator gives and social network credentials go to the secret store. The
 * agreement item keeps only key versions and references.
 */
export async function createAgreement(
  deps: Pick<Deps, 'agreements' | 'secrets' | 'clock' | 'config'>,
  input: CreateAgreementInput,
): Promise<CreatedAgreement> {
  const refused = refusedTargets(input, deps.config.allowPrivateTargets);
  if (refused.length) throw new InvalidInputError('invalid request body', refused);
  const at = deps.clock.now().toISOString();
  const agreementId = input.agreementId ?? newId('agr');
  // Checked before any secret is written, so a taken id never overwrites the existing agreement's secrets.
  if (await deps.agreements.get(agreementId))
    throw new ConflictError(`agreement ${agreementId} already exists`);
  const ids = channelIds(input);
  const generatedSecrets: Record<string, string> = {};
  const channels: Channel[] = [];
  const keys = signingSecretsOf(deps.secrets);
  /** Stores the operator's own secret, or derives version 1 from the master key (shown once): how the channel signs. */
  const signing = async (channelId: string, given: string | undefined, ref: string) => {
    if (given) {
      await deps.secrets.put(ref, given);
      return { secretRef: ref };
    }
    const master = await keys.master({ create: true });
    if (!master) throw new Error('master signing key unavailable');
    const key = { version: 1, master: currentMasterVersion(master), derivedFor: agreementId };
    generatedSecrets[channelId] = deriveChannelSecret(master, { agreementId, channelId, ...key });
    return { signingKeys: [key] };
  };
  for (const [i, c] of input.channels.entries()) {
    const channelId = ids[i] ?? c.type;
    switch (c.type) {
      case 'feed':
        channels.push({ channelId, type: 'feed' });
        break;
      case 'webhook': {
        const keyOf = await signing(channelId, c.secret, webhookSecretRef(agreementId, channelId));
        channels.push({ channelId, type: 'webhook', url: c.url, ...keyOf });
        break;
      }
      case 'broadcast':
        if (c.target === 'http') {
          const keyOf = await signing(channelId, c.secret, signingSecretRef(agreementId, channelId));
          channels.push({ channelId, type: 'broadcast', target: 'http', url: c.url, ...keyOf });
        } else {
          channels.push({
            channelId,
            type: 'broadcast',
            target: 's3',
            bucket: c.bucket,
            prefix: c.prefix,
            ...(c.roleArn && { roleArn: c.roleArn }),
          });
        }
        break;
      case 'social': {
        // The credentials go to the secret store here and are never read back out through the API.
        const ref = credentialsRef(agreementId, channelId);
        await deps.secrets.put(ref, JSON.stringify(c.credentials));
        channels.push({
          channelId,
          type: 'social',
          network: c.network,
          baseUrl: c.baseUrl ?? SOCIAL_BASE_URL[c.network],
          ...(c.accountId && { accountId: c.accountId }),
          ...(c.authBaseUrl && { authBaseUrl: c.authBaseUrl }),
          credentialsRef: ref,
        });
        break;
      }
    }
  }
  const feedKey = await newFeedKey(deps.secrets, 'k1', at);
  const agreement: Agreement = {
    agreementId,
    partner: input.partner,
    status: input.status,
    validFrom: input.validFrom,
    validTo: input.validTo,
    topics: input.topics,
    languages: input.languages,
    channels,
    embargo: input.embargo,
    feedKeys: [feedKey],
    ...(input.commitments && { commitments: input.commitments }),
    createdAt: at,
    updatedAt: at,
  };
  await deps.agreements.create(agreement);
  return { agreement, generatedSecrets };
}
