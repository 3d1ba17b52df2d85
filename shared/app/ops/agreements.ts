/** Reading an agreement, its changes after signing (update, suspend, resume) and the partners view. */
import { ConflictError, InvalidInputError, NotFoundError } from '#domain/errors.ts';
import { targetUrlProblem } from '#domain/target-policy.ts';
import type { Agreement, AgreementStatus, SocialCredentials } from '#schemas/agreement.ts';
import type { Deps } from '../deps.ts';
import type { UpdateAgreementInput } from './schemas.ts';

type AgreementDeps = Pick<Deps, 'agreements' | 'clock' | 'config'>;

/** One agreement; NotFoundError when there is none. */
export async function getAgreement(deps: Pick<Deps, 'agreements'>, agreementId: string): Promise<Agreement> {
  const agreement = await deps.agreements.get(agreementId);
  if (!agreement) throw new NotFoundError(`agreement ${agreementId} not found`);
  return agreement;
}

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
  const current = await getAgreement(deps, agreementId);
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
  const current = await getAgreement(deps, agreementId);
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
  const { channels } = await getAgreement(deps, agreementId);
  const channel = channels.find((c) => c.channelId === channelId);
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

/** One partner and the agreements naming it. */
export async function getPartner(deps: Pick<Deps, 'agreements'>, partnerId: string): Promise<PartnerView> {
  const partner = (await listPartners(deps)).find((x) => x.partnerId === partnerId);
  if (!partner) throw new NotFoundError(`partner ${partnerId} not found`);
  return partner;
}
