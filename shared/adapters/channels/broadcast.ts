import { createHash, type Hash } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { parseS3Href } from '#app/package-article.ts';
import { endpointOf } from '#domain/circuit-breaker.ts';
import { NotFoundError } from '#domain/errors.ts';
import { webhookMessageId } from '#domain/ids.ts';
import { classifyHttpStatus, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { TargetRefusedError } from '#domain/target-policy.ts';
import { signWebhook } from '#domain/webhook-signature.ts';
import { canonicalUrl } from '#formats/feed-view.ts';
import { MRSS_CONTENT_TYPE, mrssItemXml } from '#formats/mrss.ts';
import { type BroadcastMedia, NEWSML_CONTENT_TYPE, newsItemXml } from '#formats/newsml-g2.ts';
import { LOA_URI_BASE } from '#formats/ninjs.ts';
import {
  type ChannelAdapter,
  type ChannelOf,
  type ChannelOutcome,
  ChannelRefusal,
  type SendContext,
} from '#ports/channel-adapter.ts';
import { type Clock, systemClock } from '#ports/clock.ts';
import type { HttpClient, HttpResult } from '#ports/http-client.ts';
import type { IngestResult, IngestStore } from '#ports/ingest-store.ts';
import type { PackageStore } from '#ports/package-store.ts';
import type { SecretStore } from '#ports/secret-store.ts';

type BroadcastChannel = ChannelOf<'broadcast'>;
type Ctx = SendContext<BroadcastChannel>;

/** The names of a package's files under `{articleId}/v{version}/`. */
export const PACKAGE_FILES = {
  mrss: 'item.rss',
  newsml: 'newsml.xml',
  kill: 'newsml-canceled.xml',
  mediaDir: 'media',
} as const;

const USER_AGENT = 'Loa/0.1 (+broadcast)';

/** One media file of a package, as planned: where its bytes are, and where they go. */
export interface PlannedMedia {
  assetId: string;
  /** Key of the object in the packages bucket. */
  key: string;
  /** Path under the channel's base: `{articleId}/v{version}/media/{assetId}-{basename}`. */
  path: string;
  contentType: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
  title?: string;
  altText?: string;
  credit?: string;
}

/** Signs one request's content (Standard Webhooks headers); a function, so the secret never sits in data. */
type Signer = (messageId: string, content: string) => Record<string, string>;

/** What a publish pushes, planned: the media to stream, then the two XML files built from their hashes. */
export interface PreparedBroadcast {
  media: PlannedMedia[];
  /** HTTP target only. */
  sign?: Signer;
}

/** One write's answer: HTTP's for an HTTP target, S3's (through the IngestStore) for an S3 target. */
export type BroadcastAnswer = HttpResult | IngestResult;

/** An attempt: the write that decided it (the first that failed, else the last) and what was written. */
export interface SentBroadcast {
  path: string;
  answer: BroadcastAnswer;
  /** Package paths written, in order, up to and including the deciding one when it succeeded. */
  written: string[];
  /** Where the attempt's item is (the newsml.xml or the kill notice): S3 URI or URL. */
  remoteId: string;
  /** All writes' time together. */
  durationMs: number;
  /** The package's own copy of a media could not be read: our side failed, not the partner. */
  sourceError?: string;
  /** The partner answered 2xx before the media's bytes were all sent. */
  shortWrite?: boolean;
}

/** A write to the channel's target, in its terms. */
interface Target {
  /** The file's absolute location: `s3://bucket/prefix/path`, or the URL it is PUT to. */
  location(path: string): string;
  /** `n` numbers the package's files, so each file's signed message id is the same on every try. */
  put(
    path: string,
    n: number,
    body: { text: string } | { stream: Readable; sizeBytes: number },
    contentType: string,
  ): Promise<BroadcastAnswer>;
}

/** Counts and hashes bytes on their way to the partner, so a 1 GB video is hashed without being held. */
class Measure extends Transform {
  bytes = 0;
  readonly hash: Hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

const succeeded = (a: BroadcastAnswer) =>
  a.kind === 'stored' || (a.kind === 'response' && classifyHttpStatus(a.status) === 'delivered');

/** Each segment percent-encoded, the slashes kept. */
const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/**
 * Broadcasters' ingest: per article version, the media, a Media RSS item and a NewsML-G2 `newsItem`,
 * pushed to the partner's S3 bucket/prefix or HTTP endpoint (docs/broadcast.md).
 *
 * Package layout under the channel's base (S3: `bucket` + `prefix`; HTTP: `url`), written in this order:
 *   {articleId}/v{version}/media/{assetId}-{basename}   each asset, streamed from the packages bucket
 *   {articleId}/v{version}/item.rss                     Media RSS 2.0, one item
 *   {articleId}/v{version}/newsml.xml                   NewsML-G2 newsItem, LAST
 * Ingest systems watch for newsml.xml: when it lands, the media it lists is complete, and it carries each
 * media's size and SHA-256. The first write that fails ends the attempt; a retry writes the package
 * again from the start (every write is an idempotent PUT of the same bytes to the same place). The
 * publish's remoteId is the newsml.xml's location (`s3://bucket/key`, or its URL).
 *
 * Media hrefs (NewsML remoteContent, MRSS media:content) are the files' absolute locations in the
 * target, so an item names exactly what was pushed beside it.
 *
 * Media never sits in memory: each object is opened as a stream, piped through a SHA-256 hashing
 * Transform that counts bytes, and on to the target (an HTTP PUT with its content-length, or a
 * multipart upload); the hashes and sizes then go into the two XML files.
 *
 * An update (delivery.supersedes) is simply the new version's package: the NewsML-G2 guid is the
 * article's and stays the same, its `version` is higher, which is how NewsML-G2 ingests replace an
 * item. Nothing else is sent. A takedown (`undo`) writes `{articleId}/v{version}/newsml-canceled.xml`:
 * the same guid with pubStatus `stat:canceled`, version = the withdrawn version + 1, versionCreated =
 * the withdrawal time, the reason in an edNote.
 *
 * HTTP target: `PUT {url}/{path}` per file, each signed with Standard Webhooks headers (the channel's
 * secret; `webhook-id` = `msg_<delivery>-<n>`, n numbering the package's files, so it is stable across
 * retries). For the XML files the signed content is the body. A media body is streamed and its hash is
 * unknown before it is sent, so for media the signed content is the string `PUT <path> <sizeBytes>`,
 * with <path> the request's URL path exactly as sent (percent-encoded) and <sizeBytes> its
 * content-length: the signature proves the request is ours, and the newsml.xml, signed over its body
 * and pushed last, lists every media's SHA-256, against which a partner verifies the bytes.
 *
 * S3 target: the IngestStore writes each file to `bucket`/`prefix` + path, assuming the channel's role
 * (external id: the agreement id) when it has one.
 */
export class BroadcastAdapter implements ChannelAdapter<BroadcastChannel, PreparedBroadcast, SentBroadcast> {
  readonly type = 'broadcast';
  readonly #http: HttpClient;
  readonly #secrets: SecretStore;
  readonly #packages: PackageStore;
  readonly #ingest: IngestStore;
  readonly #provider: string;
  readonly #clock: Clock;

  constructor(deps: {
    http: HttpClient;
    secrets: SecretStore;
    packages: PackageStore;
    ingest: IngestStore;
    /** The publisher's name, written as the NewsML-G2 provider and the MRSS channel title. */
    provider?: string;
    /** Signature timestamps are taken per request: a long video upload would make ctx.now stale. */
    clock?: Clock;
  }) {
    this.#http = deps.http;
    this.#secrets = deps.secrets;
    this.#packages = deps.packages;
    this.#ingest = deps.ingest;
    this.#provider = deps.provider ?? 'Loa';
    this.#clock = deps.clock ?? systemClock;
  }

  endpoint(channel: BroadcastChannel): string {
    return channel.target === 'http' ? endpointOf(channel.url) : `s3://${channel.bucket}`;
  }

  /** Plans the media from the manifest and reads the signing secret; no request is made. */
  async prepare(ctx: Ctx): Promise<PreparedBroadcast> {
    const { manifest, delivery: d } = ctx;
    const media = (manifest.associations ?? []).map((assoc): PlannedMedia => {
      const rendition = assoc.renditions[0];
      const source = rendition && parseS3Href(rendition.href);
      if (!rendition || !source || source.bucket !== this.#packages.bucket) {
        throw new ChannelRefusal(
          `asset ${assoc.name} of ${d.articleId} v${d.version}: its rendition is not an object of the packages bucket`,
        );
      }
      const basename = source.key.slice(source.key.lastIndexOf('/') + 1);
      const alt = assoc.descriptions?.find((t) => t.role === 'alt')?.value;
      return {
        assetId: assoc.name,
        key: source.key,
        path: `${this.#dir(ctx)}/${PACKAGE_FILES.mediaDir}/${assoc.name}-${basename}`,
        contentType: rendition.contenttype,
        ...(rendition.width !== undefined && { width: rendition.width }),
        ...(rendition.height !== undefined && { height: rendition.height }),
        ...(rendition.duration !== undefined && { durationSeconds: rendition.duration }),
        ...(assoc.title && { title: assoc.title }),
        ...(alt && { altText: alt }),
        ...(assoc.by && { credit: assoc.by }),
      };
    });
    const sign = await this.#signer(ctx.channel);
    return { media, ...(sign && { sign }) };
  }

  /** Streams the media, then writes item.rss and newsml.xml (last); stops at the first failed write. */
  async send(ctx: Ctx, prepared: PreparedBroadcast): Promise<SentBroadcast> {
    const target = this.#target(ctx, prepared.sign);
    const dir = this.#dir(ctx);
    const newsmlPath = `${dir}/${PACKAGE_FILES.newsml}`;
    const sent: SentBroadcast = {
      path: newsmlPath,
      answer: { kind: 'stored', durationMs: 0 },
      written: [],
      remoteId: target.location(newsmlPath),
      durationMs: 0,
    };
    const record = (path: string, answer: BroadcastAnswer) => {
      sent.path = path;
      sent.answer = answer;
      sent.durationMs += answer.durationMs;
      if (succeeded(answer)) sent.written.push(path);
      return succeeded(answer);
    };

    const media: BroadcastMedia[] = [];
    let n = 0;
    for (const m of prepared.media) {
      n += 1;
      const pushed = await this.#pushMedia(target, m, n);
      const ok = record(m.path, pushed.answer);
      // Whatever the partner answered, a body that did not go out whole must not be listed in an item.
      if (pushed.sourceError || (ok && pushed.bytes !== pushed.sizeBytes)) {
        if (ok) sent.written.pop();
        if (pushed.sourceError) sent.sourceError = pushed.sourceError;
        else sent.shortWrite = true;
        return sent;
      }
      if (!ok) return sent;
      media.push({
        assetId: m.assetId,
        href: target.location(m.path),
        contentType: m.contentType,
        sizeBytes: pushed.bytes,
        sha256: pushed.sha256,
        ...(m.width !== undefined && { width: m.width }),
        ...(m.height !== undefined && { height: m.height }),
        ...(m.durationSeconds !== undefined && { durationSeconds: m.durationSeconds }),
        ...(m.title && { title: m.title }),
        ...(m.altText && { altText: m.altText }),
        ...(m.credit && { credit: m.credit }),
      });
    }

    const link = canonicalUrl(ctx.manifest);
    const rss = mrssItemXml({
      manifest: ctx.manifest,
      media,
      ...(link && { link }),
      channelTitle: `${this.#provider}: ${ctx.agreement.partner.name}`,
      channelLink: link ? new URL(link).origin : LOA_URI_BASE,
    });
    const rssPath = `${dir}/${PACKAGE_FILES.mrss}`;
    if (!record(rssPath, await target.put(rssPath, ++n, { text: rss }, MRSS_CONTENT_TYPE))) return sent;

    const newsml = newsItemXml({
      manifest: ctx.manifest,
      media,
      pubStatus: 'usable',
      version: ctx.delivery.version,
      versionCreated: ctx.manifest.versioncreated,
      provider: this.#provider,
    });
    record(newsmlPath, await target.put(newsmlPath, ++n, { text: newsml }, NEWSML_CONTENT_TYPE));
    return sent;
  }

  /** Writes the kill notice: the item's guid, pubStatus canceled, one version above the withdrawn one. */
  async undo(ctx: Ctx): Promise<SentBroadcast> {
    const { delivery: d } = ctx;
    const target = this.#target(ctx, await this.#signer(ctx.channel));
    const path = `${this.#dir(ctx)}/${PACKAGE_FILES.kill}`;
    const xml = newsItemXml({
      manifest: ctx.manifest,
      media: [],
      pubStatus: 'canceled',
      version: d.version + 1,
      versionCreated: d.withdrawnAt ?? ctx.now.toISOString(),
      provider: this.#provider,
      ...(d.withdrawReason && { note: d.withdrawReason }),
    });
    const answer = await target.put(path, 1, { text: xml }, NEWSML_CONTENT_TYPE);
    return {
      path,
      answer,
      written: succeeded(answer) ? [path] : [],
      remoteId: target.location(path),
      durationMs: answer.durationMs,
    };
  }

  classify(sent: SentBroadcast, ctx: Ctx): ChannelOutcome {
    const { answer, durationMs } = sent;
    if (sent.sourceError) {
      // Our packages bucket failed mid-stream: worth another try, and not the partner's fault.
      return {
        verdict: 'retry',
        error: `reading the package's ${sent.path}: ${sent.sourceError}`,
        durationMs,
      };
    }
    if (sent.shortWrite) {
      return { verdict: 'retry', error: `partner answered before receiving all of ${sent.path}`, durationMs };
    }
    if (answer.kind === 'network-error') {
      return { verdict: 'retry', error: `${answer.error} on ${sent.path}`, durationMs, noAnswer: true };
    }
    if (answer.kind === 'stored') return { verdict: 'delivered', remoteId: sent.remoteId, durationMs };
    if (answer.kind === 'refused') {
      const verdict = classifyHttpStatus(answer.status);
      const where = `s3://${this.#s3Key(ctx.channel, sent.path)}`;
      return {
        verdict,
        httpStatus: answer.status,
        error: `S3 ${answer.status} ${answer.code} on ${where}`,
        durationMs,
      };
    }
    const verdict = classifyHttpStatus(answer.status);
    if (verdict === 'delivered') {
      return { verdict, httpStatus: answer.status, remoteId: sent.remoteId, durationMs };
    }
    const waitMs = retryAfterFromHeaders(answer.headers, ctx.now);
    return {
      verdict,
      httpStatus: answer.status,
      error: `HTTP ${answer.status} on ${sent.path}`,
      durationMs,
      ...(waitMs !== undefined && { waitMs }),
    };
  }

  #dir(ctx: Ctx): string {
    return `${ctx.delivery.articleId}/v${ctx.delivery.version}`;
  }

  /** `bucket/prefix+path` of an S3 channel. */
  #s3Key(channel: BroadcastChannel, path: string): string {
    return channel.target === 's3' ? `${channel.bucket}/${channel.prefix}${path}` : path;
  }

  async #signer(channel: BroadcastChannel): Promise<Signer | undefined> {
    if (channel.target !== 'http') return undefined;
    const secret = await this.#secrets.get(channel.secretRef);
    if (!secret) throw new ChannelRefusal('broadcast signing secret missing from the secret store', true);
    return (id, content) => signWebhook(secret, id, Math.floor(this.#clock.now().getTime() / 1000), content);
  }

  /**
   * Opens one package object and pushes it through a Measure. Resolves with the write's answer and
   * what passed through; the source is destroyed whatever happened, so no S3 connection is left open.
   */
  async #pushMedia(target: Target, m: PlannedMedia, n: number) {
    let opened: Awaited<ReturnType<PackageStore['openObject']>>;
    try {
      opened = await this.#packages.openObject(m.key);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new ChannelRefusal(`package object s3://${this.#packages.bucket}/${m.key} is missing`);
      }
      throw error;
    }
    const measure = new Measure();
    let sourceError: string | undefined;
    // Errors flow one way only: a failing source fails the body; the client giving up on the body (a
    // timeout, an early answer) just unpipes it, and the source is closed below.
    opened.body.once('error', (error: Error) => {
      sourceError = error.message;
      measure.destroy(error);
    });
    opened.body.pipe(measure);
    try {
      const answer = await target.put(
        m.path,
        n,
        { stream: measure, sizeBytes: opened.sizeBytes },
        m.contentType,
      );
      // Every byte went through _transform before the request could end, so the digest is complete
      // when the byte count is.
      const whole = measure.bytes === opened.sizeBytes;
      return {
        answer,
        bytes: measure.bytes,
        sizeBytes: opened.sizeBytes,
        sha256: whole ? measure.hash.digest('hex') : '',
        sourceError,
      };
    } finally {
      if (!opened.body.destroyed) opened.body.destroy();
      if (!measure.destroyed) measure.destroy();
    }
  }

  #target(ctx: Ctx, sign: Signer | undefined): Target {
    const { channel } = ctx;
    if (channel.target === 's3') {
      return {
        location: (path) => `s3://${channel.bucket}/${channel.prefix}${path}`,
        put: (path, _n, body, contentType) =>
          this.#ingest.put(
            {
              bucket: channel.bucket,
              key: `${channel.prefix}${path}`,
              ...(channel.roleArn && { roleArn: channel.roleArn, externalId: ctx.agreement.agreementId }),
            },
            'text' in body ? body.text : body.stream,
            {
              contentType,
              ...('text' in body
                ? { contentLength: Buffer.byteLength(body.text, 'utf8') }
                : { contentLength: body.sizeBytes }),
            },
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
        const text = 'text' in body;
        const size = text ? Buffer.byteLength(body.text, 'utf8') : body.sizeBytes;
        const signed = text ? body.text : `PUT ${new URL(url).pathname} ${size}`;
        try {
          return await this.#http.request({
            method: 'PUT',
            url,
            headers: {
              'content-type': contentType,
              'content-length': String(size),
              'user-agent': USER_AGENT,
              ...sign(id, signed),
            },
            body: text ? body.text : body.stream,
            timeoutMs: ctx.timeoutMs,
            ...(ctx.signal && { signal: ctx.signal }),
          });
        } catch (error) {
          if (error instanceof TargetRefusedError)
            throw new ChannelRefusal(`target refused: ${error.message}`);
          throw error;
        }
      },
    };
  }
}
