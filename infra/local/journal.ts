import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * An append-only file of JSON lines: what the local bus and queues have accepted, so a crash loses
 * none of it. `append` writes through to the OS (a killed process loses nothing written); `sync`
 * fsyncs, off the event loop, so the API answers only once what it acknowledges would also survive
 * a machine crash; callers waiting at the same time share one fsync (group commit). `rewrite`
 * replaces the file atomically with the records still live (compaction).
 */
export class Journal<R> {
  readonly #path: string;
  #fd: number | undefined;
  #dirty = false;
  #appended = 0;
  /** The fsync under way, and the one queued behind it for what was appended since it began. */
  #syncing: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(path: string) {
    this.#path = path;
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Every intact record, oldest first. A torn last line (a crash mid-write) is dropped. */
  read(): R[] {
    if (!existsSync(this.#path)) return [];
    const records: R[] = [];
    for (const line of readFileSync(this.#path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as R);
      } catch {
        // Only the last line can be torn, as lines are appended whole; nothing after it was acknowledged.
      }
    }
    return records;
  }

  /** Writes a record through to the OS; it is durable on disk after the next `sync`. */
  append(record: R): void {
    this.#fd ??= openSync(this.#path, 'a', 0o600);
    writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    this.#dirty = true;
    this.#appended++;
  }

  /** Resolves once every record appended before the call is on disk. */
  sync(): Promise<void> {
    if (this.#syncing) {
      // Nothing appended since the running fsync began: it covers the caller.
      if (!this.#dirty) return this.#syncing;
      this.#queued ??= this.#syncing.then(() => {
        this.#queued = undefined;
        return this.sync();
      });
      return this.#queued;
    }
    const fd = this.#fd;
    if (!this.#dirty || fd === undefined) return Promise.resolve();
    this.#dirty = false;
    const running = new Promise<void>((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
    this.#syncing = running.finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  /** Records appended since the file was last rewritten: the caller's cue to compact. */
  get appended(): number {
    return this.#appended;
  }

  /** Replaces the file with `records` (write a temporary file, fsync, rename, fsync the folder). */
  rewrite(records: R[]): void {
    this.#release();
    const tmp = `${this.#path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      if (records.length) writeSync(fd, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.#path);
    syncFolder(dirname(this.#path));
    this.#appended = 0;
  }

  /** Flushes and closes the file (the runtime's stop: nothing is appended meanwhile). */
  close(): void {
    if (this.#fd !== undefined && this.#dirty) fsyncSync(this.#fd);
    this.#dirty = false;
    this.#release();
  }

  /** Lets go of the file descriptor; one an fsync is still using is closed when it is done. */
  #release(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    this.#dirty = false;
    if (this.#syncing) this.#syncing.finally(() => closeSync(fd)).catch(() => undefined);
    else closeSync(fd);
  }
}

/** Makes a rename durable: the folder's entry must reach the disk too. */
function syncFolder(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse to fsync a folder; the rename is then as durable as they make it.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
