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
import { RotateSecretInput, rotateChannelSecret } from '#app/rotate-secret.ts';
import { CreateAgreementInput, SocialCredentials } from '#schemas/agreement.ts';
import { json, parseBody, parseQuery } from '../../http.ts';
import { locatedSuccess } from '../openapi.ts';
import { located, type OpsRoute, opsRoute } from '../router.ts';

const AGREEMENTS = '/ops/agreements';

export const AGREEMENT_ROUTES: OpsRoute[] = [
  opsRoute(
    'POST /ops/agreements',
    {
      summary: 'Create an agreement (generated secrets are returned once)',
      body: CreateAgreementInput,
      success: locatedSuccess(201, 'the agreement'),
    },
    async (deps, e) => {
      const created = await createAgreement(deps, parseBody(e, CreateAgreementInput));
      const body = { agreement: created.agreement, secrets: created.generatedSecrets };
      return located(201, body, AGREEMENTS, created.agreement.agreementId);
    },
  ),
  opsRoute('GET /ops/agreements', { summary: 'List agreements', page: true }, async (deps) =>
    json(200, { items: await deps.agreements.list() }),
  ),
  opsRoute('GET /ops/agreements/{id}', { summary: 'Read an agreement' }, async (deps, _e, p) => {
    const agreement = await getAgreement(deps, p.id ?? '');
    // Each channel's circuit (`paused` after days of failures: resume it, see docs/operators.md).
    return json(200, { ...agreement, channelStates: await channelStates(deps, agreement.channels) });
  }),
  opsRoute(
    'PATCH /ops/agreements/{id}',
    { summary: 'Update an agreement (optimistic lock)', body: UpdateAgreementInput },
    async (deps, e, p) =>
      json(200, await updateAgreement(deps, p.id ?? '', parseBody(e, UpdateAgreementInput))),
  ),
  opsRoute('POST /ops/agreements/{id}/suspend', { summary: 'Suspend an agreement' }, async (deps, _e, p) =>
    json(200, await setAgreementStatus(deps, p.id ?? '', 'suspended')),
  ),
  opsRoute('POST /ops/agreements/{id}/resume', { summary: 'Resume an agreement' }, async (deps, _e, p) =>
    json(200, await setAgreementStatus(deps, p.id ?? '', 'active')),
  ),
  opsRoute(
    'PUT /ops/agreements/{id}/channels/{channelId}/credentials',
    {
      summary: 'Replace a social channel’s credentials',
      body: SocialCredentials,
      success: [204, 'Replaced'],
    },
    async (deps, e, p) => {
      await replaceCredentials(deps, p.id ?? '', p.channelId ?? '', parseBody(e, SocialCredentials));
      return { statusCode: 204, headers: {}, body: '' };
    },
  ),
  opsRoute(
    'POST /ops/agreements/{id}/channels/{channelId}/rotate-secret',
    {
      summary: 'Rotate a channel’s signing secret (returned once; both sign during the overlap)',
      body: RotateSecretInput,
      bodyOptional: true,
    },
    async (deps, e, p) => {
      // The body is optional: without one, the overlap is the default 24 hours.
      const input = e.body ? parseBody(e, RotateSecretInput) : {};
      return json(200, await rotateChannelSecret(deps, p.id ?? '', p.channelId ?? '', input));
    },
  ),
  opsRoute(
    'POST /ops/agreements/{id}/feed-keys',
    { summary: 'Add a feed signing key', success: locatedSuccess(201, 'the key') },
    async (deps, _e, p) => {
      const { kid, createdAt, agreement } = await addFeedKey(deps, p.id ?? '');
      const keys = `${AGREEMENTS}/${encodeURIComponent(p.id ?? '')}/feed-keys`;
      return located(201, { kid, createdAt, feedKeys: agreement.feedKeys }, keys, kid);
    },
  ),
  opsRoute(
    'DELETE /ops/agreements/{id}/feed-keys/{kid}',
    { summary: 'Retire a feed signing key' },
    async (deps, _e, p) => {
      const agreement = await retireFeedKey(deps, p.id ?? '', p.kid ?? '');
      return json(200, { feedKeys: agreement.feedKeys });
    },
  ),
  opsRoute(
    'POST /ops/agreements/{id}/feed-url',
    { summary: 'Mint a signed feed URL', body: FeedUrlInput },
    async (deps, e, p) => json(200, await mintFeedUrl(deps, p.id ?? '', parseBody(e, FeedUrlInput))),
  ),
  opsRoute(
    'GET /ops/agreements/{id}/deliveries',
    { summary: 'An agreement’s deliveries, newest first', query: ListQuery, page: true },
    async (deps, e, p) => {
      const query = parseQuery(e, ListQuery);
      const agreement = await getAgreement(deps, p.id ?? '');
      return json(200, await deps.deliveries.listByAgreement(agreement.agreementId, query));
    },
  ),
  opsRoute(
    'GET /ops/agreements/{id}/history',
    { summary: 'Every change of an agreement: who, when, what', page: true },
    async (deps, e, p) => {
      const { limit } = parseQuery(e, HistoryQuery);
      return json(200, { items: await agreementHistory(deps, p.id ?? '', limit) });
    },
  ),
  opsRoute(
    'POST /ops/agreements/{id}/renew',
    {
      summary: 'Renew an agreement: the next term as a linked agreement',
      body: RenewInput,
      success: locatedSuccess(201, 'the new agreement'),
    },
    async (deps, e, p, who) => {
      const renewed = await renewAndRecord(deps, p.id ?? '', parseBody(e, RenewInput), who);
      return located(201, { agreement: renewed }, AGREEMENTS, renewed.agreementId);
    },
  ),
  opsRoute(
    'GET /ops/partners',
    { summary: 'Partners, as the agreements name them', page: true },
    async (deps) => json(200, { items: await listPartners(deps) }),
  ),
  opsRoute('GET /ops/partners/{id}', { summary: 'One partner and its agreements' }, async (deps, _e, p) =>
    json(200, await getPartner(deps, p.id ?? '')),
  ),
];
