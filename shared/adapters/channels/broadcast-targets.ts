import type { Readable } from 'node:stream';
import { webhookMessageId } from '#domain/ids.ts';
import { classifyHttpStatus } from '#domain/retry-policy.ts';
import type { ChannelSecrets } from '#domain/signing-keys.ts';
import { TargetRefusedError } from '#domain/target-policy.ts';
import { signWebhook } from '#domain/webhook-signature.ts';
import { type ChannelOf, ChannelRefusal, type SendContext } from '#ports/channel-adapter.ts';
import type { Clock } from '#ports/clock.ts';
import type { HttpClient, HttpResult } from '#ports/http-client.ts';
import type { IngestResult, IngestStore } from '#ports/ingest-store.ts';

type BroadcastChannel = ChannelOf<'broadcast'>;

const USER_AGENT = 'Loa/0.1 (+broadcast)';

/** One write's answer: HTTP's for an HTTP target, S3's (through the IngestStore) for an S3 target. */
export type BroadcastAnswer = HttpResult | IngestResult;

/** Signs one request's content (Standard Webhooks headers); a function, so the secret never sits in data. */
export type Signer = (messageId: string, content: string) => Record<string, string>;

/**
 * The signer of a channel over HTTP (none for S3): its secrets read now, current first (both, during a
 * rotation's overlap), each request stamped with the clock's time, as a long upload makes ctx.now stale.
 */
export async function signerOf(
  keys: ChannelSecrets,
  clock: Clock,
  agreementId: string,
  channel: BroadcastChannel,
): Promise<Signer | undefined> {
  if (channel.target !== 'http') return undefined;
  const secrets = await keys.of(agreementId, channel, clock.now());
  if (!secrets.length)
    throw new ChannelRefusal('broadcast signing secret missing from the secret store', true);
  return (id, content) => signWebhook(secrets, id, Math.floor(clock.now().getTime() / 1000), content);
}

/** What one write sends: an XML file's text, or a media stream of a known size. */
type TargetBody = { text: string } | { stream: Readable; sizeBytes: number };

/** A write to the channel's target, in its terms. */
export interface Target {
  /** The file's absolute location: `s3://bucket/prefix/path`, or the URL it is PUT to. */
  location(path: string): string;
  /** `n` numbers the package's files, so each file's signed message id is the same on every try. */
  put(path: string, n: number, body: TargetBody, contentType: string): Promise<BroadcastAnswer>;
}

export const succeeded = (a: BroadcastAnswer) =>
  a.kind === 'stored' || (a.kind === 'response' && classifyHttpStatus(a.status) === 'delivered');

/** Each segment percent-encoded, the slashes kept. */
const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

const sizeOf = (body: TargetBody) => ('text' in body ? Buffer.byteLength(body.text, 'utf8') : body.sizeBytes);

/** The channel's target for one attempt: its S3 bucket and prefix, or its HTTP base URL (`sign` required). */
export function targetOf(
  ctx: SendContext<BroadcastChannel>,
  deps: { http: HttpClient; ingest: IngestStore },
  sign: Signer | undefined,
): Target {
  const { channel } = ctx;
  if (channel.target === 's3') {
    return {
      location: (path) => `s3://${channel.bucket}/${channel.prefix}${path}`,
      put: (path, _n, body, contentType) =>
        deps.ingest.put(
          {
            bucket: channel.bucket,
            key: `${channel.prefix}${path}`,
            ...(channel.roleArn && { roleArn: channel.roleArn, externalId: ctx.agreement.agreementId }),
          },
          'text' in body ? body.text : body.stream,
          { contentType, contentLength: sizeOf(body) },
        ),
    };
  }
  const base = channel.url.replace(/\/+$/, '');
  const location = (path: string) => `${base}/${encodePath(path)}`;
  return {
    location,
    put: async (path, n, body, contentType) => {
      if (!sign) throw new Error('broadcast over HTTP needs a signer');
      const url = location(path);
      const id = `${webhookMessageId(ctx.delivery.deliveryId)}-${n}`;
      const size = sizeOf(body);
      // A streamed body's hash is unknown before it is sent: docs/broadcast.md, "HTTP ingest contract".
      const signed = 'text' in body ? body.text : `PUT ${new URL(url).pathname} ${size}`;
      try {
        return await deps.http.request({
          method: 'PUT',
          url,
          headers: {
            'content-type': contentType,
            'content-length': String(size),
            'user-agent': USER_AGENT,
            ...sign(id, signed),
          },
          body: 'text' in body ? body.text : body.stream,
          timeoutMs: ctx.timeoutMs,
          ...(ctx.signal && { signal: ctx.signal }),
        });
      } catch (error) {
        if (error instanceof TargetRefusedError) throw new ChannelRefusal(`target refused: ${error.message}`);
        throw error;
      }
    },
  };
}
