import type { Readable } from 'node:stream';

/** Where packages live: assets copied server-side, and the ninjs manifest. */
export interface PackageStore {
  readonly bucket: string;
  /**
   * Copies an object into the packages bucket without passing its bytes through this process.
   * Throws MissingAssetError when the source does not exist.
   */
  copyAsset(source: { bucket: string; key: string }, destinationKey: string): Promise<{ sizeBytes: number }>;
  /**
   * Reads an object (in any bucket) through a hash: its SHA-256 (hex) and size, streamed, never held.
   * Throws MissingAssetError when it does not exist.
   */
  digest(location: { bucket: string; key: string }): Promise<{ sha256: string; sizeBytes: number }>;
  putManifest(key: string, body: string): Promise<void>;
  getManifest(key: string): Promise<string>;
  /**
   * Opens one object of the packages bucket for reading as a stream (a broadcast push pipes a video
   * through without holding it). Throws NotFoundError when it does not exist.
   */
  openObject(key: string): Promise<{ body: Readable; sizeBytes: number; contentType?: string }>;
  /** A short-lived download URL for one object in the packages bucket. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}
