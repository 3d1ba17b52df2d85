/**
 * The ops API speaks HTTP's conventions: RFC 9457 problem details for every error (with the fields
 * at fault), `Location` on 201 and 202, `Allow` on 405, and every id the audit log lists has a status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS_TOKEN, startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { approve, createAgreement, untilJobEnds } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';

let loa: TestLoa;
let partner: Receiver;

/** A raw call, so the test sees headers and the exact content type. */
async function call(method: string, path: string, body?: unknown, token = OPS_TOKEN) {
  const res = await fetch(`${loa.baseUrl}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  partner = await new Receiver().start();
  partner.script('/cms/refuses', [], { status: 400, body: 'no' });
  loa = await startTestLoa();
  await createAgreement(loa, 'conv-failing', `${partner.baseUrl}/cms/refuses`);
  await approve(loa, 'conv-article');
  await loa.settled();
});

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
});

describe('errors are RFC 9457 problem details', () => {
  it('names each field at fault of a refused body, with a JSON pointer', async () => {
    const res = await call('POST', '/ops/agreements', {
      agreementId: 'x',
      channels: [{ type: 'webhook', url: 'nope' }],
    });

    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(res.json).toMatchObject({
      type: 'urn:loa:problem:invalid-request',
      title: 'Bad Request',
      status: 400,
    });
    expect(res.json.detail).toContain('channels.0.url');
    expect(res.json.errors).toContainEqual(
      expect.objectContaining({ field: 'channels.0.url', pointer: '/channels/0/url' }),
    );
  });

  it('answers an unknown endpoint, a missing token and a missing delivery as problems', async () => {
    const unknown = await call('GET', '/ops/nothing-here');
    const noToken = await call('GET', '/ops/agreements', undefined, '');
    const missing = await call('GET', '/ops/deliveries/dlv_missing');

    for (const [res, status] of [
      [unknown, 404],
      [noToken, 401],
      [missing, 404],
    ] as const) {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.json).toMatchObject({ type: 'about:blank', status });
      expect(typeof res.json.detail).toBe('string');
    }
    expect(missing.json.detail).toContain('dlv_missing');
  });

  it('carries a refusal’s reason in the problem type and a member', async () => {
    const suspended = await createAgreement(loa, 'conv-suspended', `${partner.baseUrl}/cms/refuses`);
    await approve(loa, 'conv-article-2');
    await loa.settled();
    const [d] = await loa.deliveriesOf(suspended.agreementId);
    await call('POST', `/ops/agreements/${suspended.agreementId}/suspend`);

    const res = await call('POST', `/ops/deliveries/${d?.deliveryId}/replay`);

    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      type: 'urn:loa:problem:agreement-inactive',
      reason: 'agreement-inactive',
    });
  });
});

describe('the OpenAPI document', () => {
  it('is served at /ops/openapi.json, describing the ops API', async () => {
    const res = await call('GET', '/ops/openapi.json');

    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.1.0');
    expect(res.json.paths['/ops/replays/{id}']).toHaveProperty('get');
  });
});

describe('status codes carry their headers', () => {
  it('answers 405 with the methods the path allows', async () => {
    const res = await call('DELETE', '/ops/agreements');

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(res.json.status).toBe(405);
  });

  it('points 201 Created at the new agreement', async () => {
    const created = await call('POST', '/ops/agreements', {
      agreementId: 'conv-created',
      partner: { partnerId: 'conv', name: 'Báo Hà Giang' },
      validFrom: '2024-01-01',
      validTo: '2099-12-31',
      topics: ['infrastructure'],
      languages: ['vi'],
      channels: [{ type: 'feed' }],
    });
    const location = created.headers.get('location');

    expect(created.status).toBe(201);
    expect(location).toBe('/ops/agreements/conv-created');
    expect((await call('GET', location ?? '')).json.agreementId).toBe('conv-created');
  });

  it('points 202 Accepted at a status that `GET /ops/replays/{id}` answers, for a single replay and a job', async () => {
    const [failed] = await loa.deliveriesOf('conv-failing');
    const one = await call('POST', `/ops/deliveries/${failed?.deliveryId}/replay`);
    await loa.settled();
    const bulk = await call('POST', '/ops/replays', { filter: { agreementId: 'conv-failing' } });

    expect(one.status).toBe(202);
    expect(bulk.status).toBe(202);
    const oneStatus = await call('GET', one.headers.get('location') ?? '');
    expect(oneStatus.status).toBe(200);
    expect(oneStatus.json).toMatchObject({ replayId: one.json.replay.replayId, kind: 'one', status: 'done' });
    expect(bulk.headers.get('location')).toBe(`/ops/replays/${bulk.json.replay.replayId}`);
    await untilJobEnds(loa, bulk.headers.get('location') ?? '');
  });

  it('answers `GET /ops/replays/{id}` for every id the audit log lists, backfills included', async () => {
    const backfill = await call('POST', '/ops/agreements/conv-created/backfill', { days: 7 });
    expect(backfill.status).toBe(202);
    expect(backfill.headers.get('location')).toBe(`/ops/backfills/${backfill.json.backfill.replayId}`);

    const audit = (await call('GET', '/ops/replays')).json.items as { replayId: string; kind: string }[];
    const statuses = await Promise.all(audit.map((a) => call('GET', `/ops/replays/${a.replayId}`)));

    expect(new Set(audit.map((a) => a.kind))).toEqual(new Set(['one', 'replay', 'backfill']));
    expect(statuses.map((s) => s.status)).toEqual(audit.map(() => 200));
  });
});
