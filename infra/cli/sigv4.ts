/**
 * SigV4 for the deployed ops API (API Gateway, IAM auth): the CLI and its dashboard proxy sign each
 * request as the caller's AWS identity. The signer is Smithy's (what the AWS SDK uses), fed a
 * node:crypto SHA-256.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** What Smithy hands a checksum: text, bytes or a view on them. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === 'string'
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The `Checksum` shape Smithy's signer takes: SHA-256, or HMAC-SHA256 when given a key. */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {}
}

/** `<apiId>.execute-api.<region>.amazonaws.com` names its region. */
export function regionOf(url: URL, fallback?: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ?? fallback;
}

/** The headers of `request` plus SigV4's (`authorization`, `x-amz-date`, and the session token's). */
export async function signRequest(
  request: { method: string; url: string; headers?: Record<string, string>; body?: string },
  opts: { credentials: AwsCredentials; region: string; service?: string; date?: Date },
): Promise<Record<string, string>> {
  const url = new URL(request.url);
  // Loaded when a request is signed: a local call or `--help` never pays for Smithy.
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const signer = new SignatureV4({
    credentials: opts.credentials,
    region: opts.region,
    service: opts.service ?? 'execute-api',
    sha256: Sha256,
    // API Gateway does not need the payload hash header (S3 does).
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      ...(request.body !== undefined && { body: request.body }),
    },
    { ...(opts.date && { signingDate: opts.date }) },
  );
  return signed.headers as Record<string, string>;
}

/** The caller's credentials from the usual chain (env, profile, SSO, instance role). */
export async function defaultCredentials(): Promise<AwsCredentials> {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider()();
}
