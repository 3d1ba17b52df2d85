import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { s3Client } from '#adapters/aws/clients.ts';

export interface LocalS3 {
  endpoint: string;
  client: S3Client;
  stop(): Promise<void>;
  createBucket(name: string): Promise<void>;
}

/** Starts s3rver on a free loopback port over a fresh temporary directory, with a client pointed at it. */
export async function startS3(): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'loa-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = s3Client('us-east-1', endpoint);
  return {
    endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async stop() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
