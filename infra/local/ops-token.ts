import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Shortest ops token the local server accepts: a guessable or empty token would open the ops API. */
export const MIN_OPS_TOKEN_LENGTH = 32;

class OpsTokenError extends Error {
  override name = 'OpsTokenError';
}

/** Throws unless `token` is long enough to stand for the ops API's authoriser. Never echoes it. */
export function assertUsableOpsToken(token: string | undefined, where: string): string {
  const trimmed = (token ?? '').trim();
  if (trimmed.length < MIN_OPS_TOKEN_LENGTH) {
    throw new OpsTokenError(
      `the ops token from ${where} is ${trimmed.length === 0 ? 'empty' : 'too short'}: it must be at least ${MIN_OPS_TOKEN_LENGTH} characters`,
    );
  }
  return trimmed;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Constant-time bearer check, the local stand-in for API Gateway's IAM authoriser. Both sides are
 * hashed first so the comparison takes the same time whatever the given token's length, and a token
 * too short to be usable (empty, whitespace) never authorises anything.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const want = token.trim();
  const given = header?.startsWith('Bearer ') ? header.slice(7) : '';
  const equal = timingSafeEqual(digest(given), digest(want));
  return equal && want.length >= MIN_OPS_TOKEN_LENGTH && given.length > 0;
}

/**
 * The ops token kept in `<dataDir>/ops-token`: read if present (refused if empty or short), otherwise
 * made and written atomically (a temp file, 0600, renamed over), so a crash never leaves an empty file.
 */
export async function loadOrCreateOpsToken(dataDir: string): Promise<string> {
  const file = join(dataDir, 'ops-token');
  let existing: string | undefined;
  try {
    existing = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (existing !== undefined) return assertUsableOpsToken(existing, file);
  const token = randomBytes(32).toString('base64url');
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return token;
}
