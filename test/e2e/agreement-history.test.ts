/**
 * An agreement's life on the local runtime: every change recorded with who, when and which fields
 * (secrets never), renewal into a linked agreement for the next term, and renewals refused with the
 * field named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoa } from '#test/support/cli-harness.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';

let loa: TestLoa;
const ID = 'vtv4-history-2024';

beforeAll(async () => {
  loa = await startTestLoa();
  await postAgreement(loa, {
    agreementId: ID,
    partnerId: 'vtv4',
    partnerName: 'Ban Truyền hình đối ngoại VTV4',
    validTo: '2026-12-31',
    topics: ['infrastructure', 'ocop-products'],
    channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }, { type: 'feed' }],
    commitments: [{ topic: 'ocop-products', per: 'quarter', atLeast: 6 }],
  });
});

afterAll(async () => {
  await loa?.close();
});

describe('agreement history', () => {
  it('records creation, amendments, suspension and key rotation with who, when and what, newest first', async () => {
    const current = await loa.ops('GET', `/ops/agreements/${ID}`);
    await loa.ops('PATCH', `/ops/agreements/${ID}`, {
      topics: ['infrastructure', 'ocop-products', 'border-security'],
      ifUpdatedAt: current.json.updatedAt,
    });
    await loa.ops('POST', `/ops/agreements/${ID}/suspend`);
    await loa.ops('POST', `/ops/agreements/${ID}/feed-keys`);

    const history = await loa.ops('GET', `/ops/agreements/${ID}/history`);

    expect(history.status).toBe(200);
    const items = history.json.items as { fields: string[]; action: string; by: string; at: string }[];
    expect(items.map((c) => c.fields)).toEqual([
      ['feedKeys'],
      ['status'],
      ['topics'],
      expect.arrayContaining(['topics', 'channels', 'validTo']),
    ]);
    expect(items[0]?.action).toBe('POST /ops/agreements/{id}/feed-keys');
    expect(items.every((c) => c.by.length > 0 && !Number.isNaN(Date.parse(c.at)))).toBe(true);
    expect(history.text).not.toMatch(/whsec_|secretRef/);
    await loa.ops('POST', `/ops/agreements/${ID}/resume`);
  });

  it('amends the commitments, refusing a malformed one naming the field', async () => {
    const current = await loa.ops('GET', `/ops/agreements/${ID}`);

    const malformed = await loa.ops('PATCH', `/ops/agreements/${ID}`, {
      commitments: [{ topic: 'ocop-products', per: 'week', atLeast: 6 }],
    });
    const foreign = await loa.ops('PATCH', `/ops/agreements/${ID}`, {
      commitments: [{ topic: 'culture-tourism', per: 'year', atLeast: 6 }],
    });
    const amended = await loa.ops('PATCH', `/ops/agreements/${ID}`, {
      commitments: [{ topic: 'ocop-products', per: 'year', atLeast: 20 }],
      ifUpdatedAt: current.json.updatedAt,
    });
    const history = await loa.ops('GET', `/ops/agreements/${ID}/history`);

    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('commitments');
    expect(foreign.status).toBe(400);
    expect(foreign.text).toContain('commitments.0.topic');
    expect(amended.status).toBe(200);
    expect(history.json.items[0].fields).toEqual(['commitments']);
    expect(history.json.items[0].after.commitments).toEqual([
      { topic: 'ocop-products', per: 'year', atLeast: 20 },
    ]);
  });

  it('does not record a refused change', async () => {
    const before = await loa.ops('GET', `/ops/agreements/${ID}/history`);

    const refused = await loa.ops('PATCH', `/ops/agreements/${ID}`, { topics: [], ifUpdatedAt: 'x' });
    const after = await loa.ops('GET', `/ops/agreements/${ID}/history`);

    expect(refused.status).toBe(400);
    expect(after.json.items).toHaveLength(before.json.items.length);
  });
});

describe('renewal', () => {
  it('refuses a renewal whose term overlaps the old one, naming validFrom, and changes nothing', async () => {
    const before = await loa.ops('GET', `/ops/agreements/${ID}`);

    const res = await loa.ops('POST', `/ops/agreements/${ID}/renew`, {
      validFrom: '2026-06-01',
      validTo: '2028-12-31',
    });
    const after = await loa.ops('GET', `/ops/agreements/${ID}`);

    expect(res.status).toBe(400);
    expect(res.text).toContain('validFrom');
    expect(after.json).toEqual(before.json);
  });

  it('makes the next term a new agreement linked both ways, with its own feed key and the commitments kept', async () => {
    const res = await loa.ops('POST', `/ops/agreements/${ID}/renew`, {
      validFrom: '2027-01-01',
      validTo: '2029-12-31',
    });

    expect(res.status).toBe(201);
    const renewed = res.json.agreement;
    expect(renewed).toMatchObject({
      agreementId: 'vtv4-history-2027',
      renewalOf: ID,
      validFrom: '2027-01-01',
      validTo: '2029-12-31',
      status: 'active',
      commitments: [{ topic: 'ocop-products', per: 'year', atLeast: 20 }],
    });
    const old = await loa.ops('GET', `/ops/agreements/${ID}`);
    expect(old.json.renewedBy).toBe('vtv4-history-2027');
    const history = await loa.ops('GET', `/ops/agreements/${ID}/history`);
    expect(history.json.items[0].fields).toEqual(['renewedBy']);
    const again = await loa.ops('POST', `/ops/agreements/${ID}/renew`, {
      validFrom: '2030-01-01',
      validTo: '2031-12-31',
    });
    expect(again.status).toBe(400);
    expect(again.text).toContain('renewed');
  });
});

describe('loa agreements history | renew', () => {
  const cli = (args: string[]) => runLoa(loa, args);

  it('lists the changes and renews from the terminal', async () => {
    const renew = await cli([
      'agreements',
      'renew',
      'vtv4-history-2027',
      '--from',
      '2030-01-01',
      '--to',
      '2032-12-31',
    ]);
    const history = await cli(['agreements', 'history', 'vtv4-history-2027']);

    expect(renew.code).toBe(0);
    expect(renew.stdout).toContain('renewed vtv4-history-2027 as vtv4-history-2030: 2030-01-01 → 2032-12-31');
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/POST \/ops\/agreements\/\{id\}\/renew\s+renewedBy/);
  });
});
