/** Agreements and partners: create, read, change, feed keys and URLs, history, renewal. */
import { createAgreement } from '#app/create-agreement.ts';
import { addFeedKey, FeedUrlInput, mintFeedUrl, retireFeedKey } from '#app/feed-keys.ts';
import { agreementHistory, renewAndRecord } from '#app/ops/agreement-history.ts';
import {
  getAgreement,
  getPartner,
  listPartners,
  replaceCredentials,
  setAgreementStatus,
  updateAgreement,
} from '#app/ops/agreements.ts';
import { channelStates } from '#app/ops/catch-up.ts';
import { HistoryQuery, ListQuery, UpdateAgreementInput } from '#app/ops/schemas.ts';
import { RenewInput } from '#app/renew-agreement.ts';
import { CreateAgreementInput, SocialCredentials } from '#schemas/agreement.ts';
import { json, parseBody, parseQuery } from '../../http.ts';
import { type OpsRoute, opsRoute } from '../router.ts';

const agreementPath = (id: string) => `/ops/agreements/${encodeURIComponent(id)}`;

export const AGREEMENT_ROUTES: OpsRoute[] = [
  opsRoute('POST', '/ops/agreements', async (deps, e) => {
    const created = await createAgreement(deps, parseBody(e, CreateAgreementInput));
    return json(
      201,
      { agreement: created.agreement, secrets: created.generatedSecrets },
      { location: agreementPath(created.agreement.agreementId) },
    );
  }),
  opsRoute('GET', '/ops/agreements', async (deps) => json(200, { items: await deps.agreements.list() })),
  opsRoute('GET', '/ops/agreements/{id}', async (deps, _e, p) => {
    const agreement = await getAgreement(deps, p.id ?? '');
    // Each channel's circuit (`paused` after days of failures: resume it, see docs/operators.md).
    return json(200, { ...agreement, channelStates: await channelStates(deps, agreement.channels) });
  }),
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
  opsRoute('POST', '/ops/agreements/{id}/feed-keys', async (deps, _e, p) => {
    const { kid, createdAt, agreement } = await addFeedKey(deps, p.id ?? '');
    const location = `${agreementPath(p.id ?? '')}/feed-keys/${encodeURIComponent(kid)}`;
    return json(201, { kid, createdAt, feedKeys: agreement.feedKeys }, { location });
  }),
  opsRoute('DELETE', '/ops/agreements/{id}/feed-keys/{kid}', async (deps, _e, p) => {
    const agreement = await retireFeedKey(deps, p.id ?? '', p.kid ?? '');
    return json(200, { feedKeys: agreement.feedKeys });
  }),
  opsRoute('POST', '/ops/agreements/{id}/feed-url', async (deps, e, p) =>
    json(200, await mintFeedUrl(deps, p.id ?? '', parseBody(e, FeedUrlInput))),
  ),
  opsRoute('GET', '/ops/agreements/{id}/deliveries', async (deps, e, p) => {
    const query = parseQuery(e, ListQuery);
    const agreement = await getAgreement(deps, p.id ?? '');
    return json(200, await deps.deliveries.listByAgreement(agreement.agreementId, query));
  }),
  opsRoute('GET', '/ops/agreements/{id}/history', async (deps, e, p) => {
    const { limit } = parseQuery(e, HistoryQuery);
    return json(200, { items: await agreementHistory(deps, p.id ?? '', limit) });
  }),
  opsRoute('POST', '/ops/agreements/{id}/renew', async (deps, e, p, who) => {
    const renewed = await renewAndRecord(deps, p.id ?? '', parseBody(e, RenewInput), who);
    return json(201, { agreement: renewed }, { location: agreementPath(renewed.agreementId) });
  }),
  opsRoute('GET', '/ops/partners', async (deps) => json(200, { items: await listPartners(deps) })),
  opsRoute('GET', '/ops/partners/{id}', async (deps, _e, p) => json(200, await getPartner(deps, p.id ?? ''))),
];
