import { randomBytes } from 'node:crypto';
import { ConflictError, InvalidInputError } from '#domain/errors.ts';
import { newId } from '#domain/ids.ts';
import { targetUrlProblem } from '#domain/target-policy.ts';
import type { Agreement, Channel, CreateAgreementInput } from '#schemas/agreement.ts';
import type { Deps } from './deps.ts';
import { feedKeyRef } from './signed-links.ts';

export const webhookSecretRef = (agreementId: string, channelId: string) =>
  `loa/agreements/${agreementId}/channels/${channelId}/webhook-secret`;

export interface CreatedAgreement {
  agreement: Agreement;
  /** Webhook secrets Loa generated, by channelId: shown once, here, and never again. */
  generatedSecrets: Record<string, string>;
}

/** Names channels `webhook`, `webhook-2`, … where the operator gave no id. */
function channelIds(input: CreateAgreementInput): string[] {
  const counts = new Map<string, number>();
  return input.channels.map((c) => {
    if (c.channelId) return c.channelId;
    const n = (counts.get(c.type) ?? 0) + 1;
    counts.set(c.type, n);
    return n === 1 ? c.type : `${c.type}-${n}`;
  });
}

/** Webhook URLs the SSRF guard refuses, named by field as the schema's problems are. */
function refusedTargets(input: CreateAgreementInput, allowPrivateTargets: boolean): string[] {
  return input.channels.flatMap((c, i) => {
    const problem = c.type === 'webhook' ? targetUrlProblem(c.url, { allowPrivateTargets }) : undefined;
    return problem ? [`channels.${i}.url: ${problem}`] : [];
  });
}

/**
 * Creates an agreement. Secrets (webhook signing secrets, the first feed key) go to the secret
 * store; the agreement item keeps only references to them.
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
  for (const [i, c] of input.channels.entries()) {
    const channelId = ids[i] ?? c.type;
    if (c.type === 'feed') {
      channels.push({ channelId, type: 'feed' });
      continue;
    }
    const secret = c.secret ?? `whsec_${randomBytes(32).toString('base64')}`;
    if (!c.secret) generatedSecrets[channelId] = secret;
    const secretRef = webhookSecretRef(agreementId, channelId);
    await deps.secrets.put(secretRef, secret);
    channels.push({ channelId, type: 'webhook', url: c.url, secretRef });
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
    createdAt: at,
    updatedAt: at,
  };
  await deps.agreements.create(agreement);
  return { agreement, generatedSecrets };
}
