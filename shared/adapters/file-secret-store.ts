import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretStore } from '#ports/secret-store.ts';

/**
 * The local runtime's secret store: one JSON file readable by its owner only (0600), written
 * atomically. Stands in for Secrets Manager; secrets never go into DynamoDB or logs. The file is
 * read once and kept in memory: this instance is its only writer (one per runtime). A `fresh` read
 * reads the file again, after any put in progress, as Secrets Manager's skips its cache: it is rare
 * (a social token refused) and picks up a change made by another process on the same file.
 */
export class FileSecretStore implements SecretStore {
  private chain: Promise<unknown> = Promise.resolve();
  private loaded: Record<string, string> | undefined;

  constructor(private readonly path: string) {}

  async get(ref: string, options: { fresh?: boolean } = {}): Promise<string | undefined> {
    if (options.fresh) {
      // Behind the puts already queued, so a re-read never drops a value being written.
      const reread = this.chain.then(() => {
        this.loaded = undefined;
        return this.read();
      });
      this.chain = reread.catch(() => undefined);
      return (await reread)[ref];
    }
    return (await this.read())[ref];
  }

  put(ref: string, value: string): Promise<void> {
    // Serialise writers so two puts in one process never lose each other's secret.
    const next = this.chain.then(async () => {
      const all = { ...(await this.read()), [ref]: value };
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, this.path);
      this.loaded = all;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<Record<string, string>> {
    if (this.loaded) return this.loaded;
    try {
      this.loaded = JSON.parse(await readFile(this.path, 'utf8')) as Record<string, string>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.loaded = {};
    }
    return this.loaded;
  }
}
