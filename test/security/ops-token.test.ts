import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerMatches, loadOrCreateOpsToken, MIN_OPS_TOKEN_LENGTH } from '#infra/local/ops-token.ts';
import { startLocal } from '#infra/local/runtime.ts';

// Defect 2: an empty ops-token file turned ops auth off, and the file was written in place.
describe('ops token', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-token-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never authorises with an empty, whitespace-only or missing token, whatever the header', () => {
    for (const token of ['', ' ', '\n', '   \t  ']) {
      for (const header of [undefined, '', 'Bearer ', `Bearer ${token}`, 'Bearer', 'Bearer  ']) {
        expect(bearerMatches(header, token)).toBe(false);
      }
    }
  });

  it('authorises only the exact token, as a bearer', () => {
    const token = 'a'.repeat(MIN_OPS_TOKEN_LENGTH);
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`Bearer ${token}x`, token)).toBe(false);
    expect(bearerMatches(`Basic ${token}`, token)).toBe(false);
    expect(bearerMatches(token, token)).toBe(false);
  });

  it('refuses to start on an empty or short token file, naming the file but not the token', async () => {
    await writeFile(join(dir, 'ops-token'), '\n');
    await expect(loadOrCreateOpsToken(dir)).rejects.toThrow(/ops-token is empty/);
    await writeFile(join(dir, 'ops-token'), 'short-secret\n');
    const refusal = loadOrCreateOpsToken(dir);
    await expect(refusal).rejects.toThrow(/too short/);
    await expect(refusal).rejects.not.toThrow(/short-secret/);
  });

  it('writes a new token atomically, 0600, and reads the same one back', async () => {
    const token = await loadOrCreateOpsToken(dir);
    expect(token.length).toBeGreaterThanOrEqual(MIN_OPS_TOKEN_LENGTH);
    const file = join(dir, 'ops-token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(token);
    expect(await readdir(dir)).toEqual(['ops-token']); // no temp file left behind
    expect(await loadOrCreateOpsToken(dir)).toBe(token);
  });

  it('refuses to start the local runtime with an empty or short token', async () => {
    for (const opsToken of ['', '    ', 'x'.repeat(MIN_OPS_TOKEN_LENGTH - 1)]) {
      await expect(
        startLocal({
          dataDir: dir,
          port: 0,
          s3Port: 0,
          dynamoPort: 0,
          opsToken,
          contentBucket: 'loa-content',
        }),
      ).rejects.toThrow(/ops token/);
    }
  });
});
