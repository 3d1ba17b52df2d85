/**
 * What every SDK client shares, without importing any SDK package: a function's bundle then
 * imports only the clients it builds (shared/adapters/aws/wiring/).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '#config/config.ts';

/** Static credentials for the local emulators; on AWS the default provider chain is used. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** The services Loa's ports call, as the benchmarks' request counts name them. */
export type ServiceName = 'dynamo' | 's3' | 'events' | 'sqs';

/** Something that can watch every request a client makes (the benchmarks count them). */
export type ClientHook = (
  service: ServiceName,
  client: { middlewareStack: S3Client['middlewareStack'] },
) => void;

/** Endpoint and credentials of a local emulator, or nothing on AWS. */
export function localOptions(config: Config, endpoint: string | undefined) {
  // Locally the bus knows Loa's functions by the key id they sign with (see Config.localAccessKeyId).
  const credentials = config.localAccessKeyId
    ? { accessKeyId: config.localAccessKeyId, secretAccessKey: config.localAccessKeyId }
    : LOCAL_CREDENTIALS;
  return endpoint ? { endpoint, credentials } : {};
}

/** `client`, shown to `hook` first when there is one. */
export function watched<C>(service: ServiceName, client: C, hook: ClientHook | undefined): C {
  hook?.(service, client as unknown as { middlewareStack: S3Client['middlewareStack'] });
  return client;
}
