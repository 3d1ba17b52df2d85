import { describe, expect, it } from 'vitest';
import type { DynamoAgreementStore } from '#adapters/aws/dynamo-agreement-store.ts';
import { ConflictError } from '#domain/errors.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let store: DynamoAgreementStore;

onFreshTable((t) => {
  store = t.agreements;
});

describe(`DynamoAgreementStore (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('reads back what it stored, Vietnamese partner names byte for byte', async () => {
    const a = agreementFixture();
    await store.create(a);
    const read = await store.get(a.agreementId);
    expect(read).toEqual(a);
    expect(Buffer.from(read?.partner.name ?? '').equals(Buffer.from(a.partner.name))).toBe(true);
  });

  it('refuses a second agreement with the same id and keeps the first', async () => {
    await store.create(agreementFixture());
    await expect(store.create(agreementFixture({ topics: ['other'] }))).rejects.toBeInstanceOf(ConflictError);
    expect((await store.get('vtv4-hagiang'))?.topics).toEqual(agreementFixture().topics);
  });

  it('updates an agreement read at its current version and moves it between status lists', async () => {
    const a = agreementFixture();
    await store.create(a);
    await store.update({ ...a, status: 'suspended', updatedAt: '2025-01-01T00:00:00Z' }, a.updatedAt);
    expect((await store.get(a.agreementId))?.status).toBe('suspended');
    expect(await store.listActive()).toEqual([]);
  });

  it('refuses an update based on a stale read, and one of an agreement that does not exist', async () => {
    const a = agreementFixture();
    await store.create(a);
    await store.update({ ...a, topics: ['infrastructure'], updatedAt: '2025-01-01T00:00:00Z' }, a.updatedAt);
    await expect(store.update({ ...a, topics: ['border-security'] }, a.updatedAt)).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(
      store.update(agreementFixture({ agreementId: 'ghost' }), a.updatedAt),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await store.get(a.agreementId))?.topics).toEqual(['infrastructure']);
  });

  it('lists active agreements apart from suspended ones, and all of them together', async () => {
    await store.create(agreementFixture({ agreementId: 'a-active' }));
    await store.create(agreementFixture({ agreementId: 'b-suspended', status: 'suspended' }));
    expect((await store.listActive()).map((a) => a.agreementId)).toEqual(['a-active']);
    expect((await store.list()).map((a) => a.agreementId)).toEqual(['a-active', 'b-suspended']);
  });
});
