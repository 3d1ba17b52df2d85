import { randomBytes } from 'node:crypto';
import { ConflictError, InvalidInputError } from '#domain/errors.ts';
import { newId } from '#domain/ids.ts';
import { feedKeyRef } from '#domain/signed-links.ts';
import { targetUrlProblem } from '#domain/target-policy.ts';
import {
  type Agreement,
  type Channel,
  type ChannelInput,
  type CreateAgreementInput,
  SOCIAL_BASE_URL,
} from '#schemas/agreement.ts';
import type { Deps } from './deps.ts';

export const webhookSecretRef = (agreementId: string, channelId: string) =>
  `loa/agreements/${agreementId}/channels/${channelId}/webhook-secret`;

/** Where a broadcast HTTP channel's signing secret lives. */
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

/** A generated Standard Webhooks secret: 32 random bytes. */
const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Creates an agreement. Secrets (webhook and broadcast signing secrets, social network credentials,
 * the first feed key) go to the secret store; the agreement item keeps only references to them.
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
  /** Stores a signing secret (the operator's, or one generated and shown once) and returns its ref. */
  const signing = async (channelId: string, given: string | undefined, ref: string) => {
    const secret = given ?? newSigningSecret();
    if (!given) generatedSecrets[channelId] = secret;
    await deps.secrets.put(ref, secret);
    return ref;
  };
  for (const [i, c] of input.channels.entries()) {
    const channelId = ids[i] ?? c.type;
    switch (c.type) {
      case 'feed':
        channels.push({ channelId, type: 'feed' });
        break;
      case 'webhook': {
        const secretRef = await signing(channelId, c.secret, webhookSecretRef(agreementId, channelId));
        channels.push({ channelId, type: 'webhook', url: c.url, secretRef });
        break;
      }
      case 'broadcast':
        if (c.target === 'http') {
          const secretRef = await signing(channelId, c.secret, signingSecretRef(agreementId, channelId));
          channels.push({ channelId, type: 'broadcast', target: 'http', url: c.url, secretRef });
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
  const kid = 'k1';
  await deps.secrets.put(feedKeyRef(agreementId, kid), randomBytes(32).toString('base64url'));
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
    feedKeys: [{ kid, createdAt: at }],
    ...(input.commitments && { commitments: input.commitments }),
    createdAt: at,
    updatedAt: at,
  };
  await deps.agreements.create(agreement);
  return { agreement, generatedSecrets };
}
