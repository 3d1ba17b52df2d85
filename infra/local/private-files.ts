import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Makes everything under `dataDir` private to this user: folders 0700, files 0600. The umask covers
 * what is written from now on — s3rver and dynalite write their files themselves, with default modes —
 * and the walk fixes what an earlier run (or an older Loa) left readable.
 */
export async function keepDataPrivate(dataDir: string): Promise<void> {
  // A process-wide setting: the local runtime owns its process (npm start, a test worker, a bench).
  process.umask(0o077);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await tighten(dataDir);
}

async function tighten(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await tighten(path);
    else if (entry.isFile()) await chmod(path, 0o600);
  }
}
