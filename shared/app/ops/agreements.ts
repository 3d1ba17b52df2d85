/** Agreement changes after signing (update, suspend, resume) and the partners view. */
import { ConflictError, InvalidInputError, NotFoundError } from '#domain/errors.ts';
import { targetUrlProblem } from '#domain/target-policy.ts';
import { type Agreement, type AgreementStatus, SocialCredentials } from '#schemas/agreement.ts';
import type { Deps } from '../deps.ts';
import { HttpError, json, parseBody } from '../http.ts';
import { type OpsRoute, opsRoute } from './route.ts';
import { UpdateAgreementInput } from './schemas.ts';

type AgreementDeps = Pick<Deps, 'agreements' | 'clock' | 'config'>;

/** Always after the version it replaces: updatedAt is the optimistic lock. */
function nextUpdatedAt(previous: string, now: Date): string {
  return new Date(Math.max(now.getTime(), Date.parse(previous) + 1)).toISOString();
}

/** Applies a change to an agreement with one write, conditional on the version read (or `ifUpdatedAt`). */
export async function updateAgreement(
  deps: AgreementDeps,
  agreementId: string,
  input: UpdateAgreementInput,
): Promise<Agreement> {
  const current = await deps.agreements.get(agreementId);
  if (!current) throw new NotFoundError(`agreement ${agreementId} not found`);
  if (input.ifUpdatedAt && input.ifUpdatedAt !== current.updatedAt) {
    throw new ConflictError(
      `agreement ${agreementId} changed at ${current.updatedAt}, after ${input.ifUpdatedAt}`,
    );
  }
  const problems: string[] = [];
  const channels = current.channels.map((c) => {
    const url = input.webhookUrls?.[c.channelId];
    if (url === undefined) return c;
    if (c.type !== 'webhook') {
      problems.push(`webhookUrls.${c.channelId}: channel ${c.channelId} is not a webhook channel`);
      return c;
    }
    const refused = targetUrlProblem(url, { allowPrivateTargets: deps.config.allowPrivateTargets });
    if (refused) problems.push(`webhookUrls.${c.channelId}: ${refused}`);
    return { ...c, url };
  });
  for (const id of Object.keys(input.webhookUrls ?? {})) {
    if (!current.channels.some((c) => c.channelId === id))
      problems.push(`webhookUrls.${id}: no such channel`);
  }
  const next: Agreement = {
    ...current,
    ...(input.partnerName && { partner: { ...current.partner, name: input.partnerName } }),
    ...(input.status && { status: input.status }),
    ...(input.validFrom && { validFrom: input.validFrom }),
    ...(input.validTo && { validTo: input.validTo }),
    ...(input.topics && { topics: input.topics }),
    ...(input.languages && { languages: input.languages }),
    ...(input.embargo && { embargo: input.embargo }),
    ...(input.commitments && { commitments: input.commitments }),
    channels,
    updatedAt: nextUpdatedAt(current.updatedAt, deps.clock.now()),
  };
  if (next.validFrom > next.validTo) problems.push('validTo: must not be before validFrom');
  next.commitments?.forEach((c, i) => {
    if (!next.topics.includes(c.topic))
      problems.push(`commitments.${i}.topic: ${c.topic} is not a topic of the agreement`);
  });
  if (problems.length) throw new InvalidInputError('invalid request body', problems);
  await deps.agreements.update(next, current.updatedAt);
  return next;
}

/** Suspends or resumes: a suspended agreement receives nothing new and its replays are refused. */
export async function setAgreementStatus(
  deps: AgreementDeps,
  agreementId: string,
  status: AgreementStatus,
): Promise<Agreement> {
  const current = await deps.agreements.get(agreementId);
  if (!current) throw new NotFoundError(`agreement ${agreementId} not found`);
  if (current.status === status) return current;
  return updateAgreement(deps, agreementId, { status, ifUpdatedAt: current.updatedAt });
}

/**
 * Replaces a social channel's network credentials (a renewed token) in the secret store. The
 * agreement item does not change (it holds only the reference); the value is never returned or logged.
 * A worker whose cached token is refused re-reads the store at once (social/token-session.ts), so the new
 * token takes effect on the next attempt. Send the whole set: refreshToken, clientId and clientSecret too.
 */
export async function replaceCredentials(
  deps: Pick<Deps, 'agreements' | 'secrets'>,
  agreementId: string,
  channelId: string,
  credentials: SocialCredentials,
): Promise<void> {
  const agreement = await deps.agreements.get(agreementId);
  if (!agreement) throw new NotFoundError(`agreement ${agreementId} not found`);
  const channel = agreement.channels.find((c) => c.channelId === channelId);
  if (!channel) throw new NotFoundError(`channel ${channelId} is not on agreement ${agreementId}`);
  if (channel.type !== 'social') {
    throw new InvalidInputError('invalid request', [
      `channel ${channelId} is a ${channel.type} channel: only social channels have network credentials`,
    ]);
  }
  await deps.secrets.put(channel.credentialsRef, JSON.stringify(credentials));
}

export interface PartnerView {
  partnerId: string;
  name: string;
  agreements: { agreementId: string; status: AgreementStatus; validFrom: string; validTo: string }[];
}

/** Partners as the agreements name them (a partner has no item of its own). */
export async function listPartners(deps: Pick<Deps, 'agreements'>): Promise<PartnerView[]> {
  const byId = new Map<string, PartnerView>();
  for (const a of await deps.agreements.list()) {
    const p = byId.get(a.partner.partnerId) ?? { ...a.partner, agreements: [] };
    p.agreements.push({
      agreementId: a.agreementId,
      status: a.status,
      validFrom: a.validFrom,
      validTo: a.validTo,
    });
    byId.set(p.partnerId, p);
  }
  return [...byId.values()].sort((x, y) => x.partnerId.localeCompare(y.partnerId));
}

export const AGREEMENT_ROUTES: OpsRoute[] = [
  opsRoute('PATCH', '/ops/agreements/{id}', async (deps, e, p) =>
    json(200, await updateAgreement(deps, p.id ?? '', parseBody(e, UpdateAgreementInput))),
  ),
  opsRoute('POST', '/ops/agreements/{id}/suspend', async (deps, _e, p) =>
    json(200, await setAgreementStatus(deps, p.id ?? '', 'suspended')),
  ),
  opsRoute('POST', '/ops/agreements/{id}/resume', async (deps, _e, p) =>
    json(200, await setAgreementStatus(deps, p.id ?? '', 'active')),
  ),
  opsRoute('PUT', '/ops/agreements/{id}/channels/{channelId}/credentials', async (deps, e, p) => {
    await replaceCredentials(deps, p.id ?? '', p.channelId ?? '', parseBody(e, SocialCredentials));
    return { statusCode: 204, headers: {}, body: '' };
  }),
  opsRoute('GET', '/ops/partners', async (deps) => json(200, { items: await listPartners(deps) })),
  opsRoute('GET', '/ops/partners/{id}', async (deps, _e, p) => {
    const partner = (await listPartners(deps)).find((x) => x.partnerId === p.id);
    if (!partner) throw new HttpError(404, `partner ${p.id} not found`);
    return json(200, partner);
  }),
];
