import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '#adapters/file-secret-store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-fss-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('FileSecretStore', () => {
  it('returns what it stored, and a new instance on the same file finds it after a restart', async () => {
    const path = join(dir, 'secrets.json');
    const store = new FileSecretStore(path);
    await store.put('loa/agreements/a/feed-keys/k1', 'khóa-bí-mật');

    expect(await store.get('loa/agreements/a/feed-keys/k1')).toBe('khóa-bí-mật');
    expect(await new FileSecretStore(path).get('loa/agreements/a/feed-keys/k1')).toBe('khóa-bí-mật');
    expect(await store.get('loa/agreements/a/feed-keys/k2')).toBeUndefined();
  });

  it('keeps the file readable by its owner only', async () => {
    const path = join(dir, 'secrets.json');
    await new FileSecretStore(path).put('r', 'v');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('keeps serving what it read until a fresh read picks up another writer’s value', async () => {
    const path = join(dir, 'secrets.json');
    const worker = new FileSecretStore(path);
    await worker.put('social', 'token-1');
    await new FileSecretStore(path).put('social', 'token-2');

    expect(await worker.get('social')).toBe('token-1');
    expect(await worker.get('social', { fresh: true })).toBe('token-2');
    expect(await worker.get('social')).toBe('token-2');
  });

  it('loses no put made just before a fresh read', async () => {
    const path = join(dir, 'secrets.json');
    const store = new FileSecretStore(path);
    await store.put('a', '1');
    const [, fresh] = await Promise.all([store.put('a', '2'), store.get('a', { fresh: true })]);
    expect(fresh).toBe('2');
    expect(await new FileSecretStore(path).get('a')).toBe('2');
  });

  it('loses neither of two puts made at once', async () => {
    const path = join(dir, 'secrets.json');
    const store = new FileSecretStore(path);
    await Promise.all([store.put('a', '1'), store.put('b', '2')]);
    const reopened = new FileSecretStore(path);
    expect([await reopened.get('a'), await reopened.get('b')]).toEqual(['1', '2']);
  });
});
