import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CMS_ACCESS_KEY_ID } from '#infra/local/publishers.ts';
import { BUS_NAME } from '#infra/wiring.ts';
import { OPS_TOKEN, startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { createFeedAgreement } from '#test/support/ops-fixtures.ts';

const AGREEMENT = 'sec-no-500';
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

// Defect 7: seven malformed requests answered 500.
describe('malformed requests get a 4xx naming what is wrong, never a 500', () => {
  let loa: TestLoa;
  beforeAll(async () => {
    loa = await startTestLoa();
    await createFeedAgreement(loa, AGREEMENT);
  });
  afterAll(async () => loa?.close());

  const putEvents = async (body: unknown) => {
    const res = await fetch(loa.baseUrl, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSEvents.PutEvents',
        'content-type': 'application/x-amz-json-1.1',
        authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CMS_ACCESS_KEY_ID}/20260101/us-east-1/events/aws4_request, SignedHeaders=host, Signature=00`,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const entry = { EventBusName: BUS_NAME, Source: 'loa.cms', DetailType: 'ContentApproved', Detail: '{}' };

  it('bad percent-encoding in an asset path', async () => {
    const res = await fetch(`${loa.baseUrl}/assets/%E0%A4%A/cGFja2FnZXM?expires=1&kid=k1&sig=x`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('percent-encoding');
  });

  it('bad percent-encoding in an ops path', async () => {
    const res = await loa.ops('GET', '/ops/agreements/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.text).toContain('percent-encoding');
  });

  it('a forged ops cursor', async () => {
    for (const cursor of [
      cursorOf({ pk: { S: 'x' } }),
      cursorOf({ nothing: 'here' }),
      cursorOf({ pk: 'AGREEMENT#x', sk: 1, gsi1pk: [1] }),
    ]) {
      for (const q of [`cursor=${cursor}`, `status=failed&cursor=${cursor}`]) {
        const res = await loa.ops('GET', `/ops/agreements/${AGREEMENT}/deliveries?${q}`);
        expect(res.status, `${q}: ${res.text}`).toBe(400);
        expect(res.text).toContain('cursor');
      }
    }
  });

  it('PutEvents with a null entry', async () => {
    const res = await putEvents({ Entries: [null] });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Entries[0]');
  });

  it('PutEvents with a numeric bus name', async () => {
    const res = await putEvents({ Entries: [{ ...entry, EventBusName: 42 }] });
    expect(res.status).toBe(400);
    expect(res.text).toContain('EventBusName');
  });

  it('PutEvents with an object as Detail', async () => {
    const res = await putEvents({ Entries: [{ ...entry, Detail: { article: {} } }] });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Detail');
  });

  it('still answers the well-formed requests next to them', async () => {
    expect((await putEvents({ Entries: [entry] })).status).toBe(200);
    expect((await loa.ops('GET', `/ops/agreements/${AGREEMENT}/deliveries`)).status).toBe(200);
    const unauthorised = await fetch(`${loa.baseUrl}/ops/agreements/%E0%A4%A`);
    expect(unauthorised.status).toBe(401); // the token is checked before the path is read
    expect(OPS_TOKEN.length).toBeGreaterThanOrEqual(32);
  });
});
