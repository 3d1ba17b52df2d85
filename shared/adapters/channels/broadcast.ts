import { endpointOf } from '#domain/circuit-breaker.ts';
import { classifyHttpStatus, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { ChannelSecrets } from '#domain/signing-keys.ts';
import { canonicalUrl, type MediaDetails, mediaDetailsOf, pickDetails } from '#formats/feed-view.ts';
import { MRSS_CONTENT_TYPE, mrssItemXml } from '#formats/mrss.ts';
import { type BroadcastMedia, NEWSML_CONTENT_TYPE, newsItemXml } from '#formats/newsml-g2.ts';
import { LOA_URI_BASE } from '#formats/ninjs.ts';
import { parseS3Href } from '#formats/s3-href.ts';
import type { ChannelAdapter, ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import { ChannelRefusal } from '#ports/channel-adapter.ts';
import { type Clock, systemClock } from '#ports/clock.ts';
import type { HttpClient } from '#ports/http-client.ts';
import type { IngestStore } from '#ports/ingest-store.ts';
import type { PackageStore } from '#ports/package-store.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import { pushMedia } from './broadcast-hashing.ts';
import { type BroadcastAnswer, type Signer, signerOf, succeeded, targetOf } from './broadcast-targets.ts';

export type { BroadcastAnswer } from './broadcast-targets.ts';

type BroadcastChannel = ChannelOf<'broadcast'>;
type Ctx = SendContext<BroadcastChannel>;

/** The names of a package's files under `{articleId}/v{version}/`. */
const PACKAGE_FILES = {
  mrss: 'item.rss',
  newsml: 'newsml.xml',
  kill: 'newsml-canceled.xml',
  mediaDir: 'media',
} as const;

/** One media file of a package, as planned: where its bytes are, and where they go. */
interface PlannedMedia extends MediaDetails {
  assetId: string;
  /** Key of the object in the packages bucket. */
  key: string;
  /** Path under the channel's base: `{articleId}/v{version}/media/{assetId}-{basename}`. */
  path: string;
  contentType: string;
}

/** What a publish pushes, planned: the media to stream, then the two XML files built from their hashes. */
interface PreparedBroadcast {
  media: PlannedMedia[];
  /** HTTP target only. */
  sign?: Signer;
}

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

/**
 * Broadcasters' ingest: per article version, the media (streamed and hashed), a Media RSS item and a
 * NewsML-G2 `newsItem` (last), pushed to the partner's S3 bucket/prefix or signed HTTP endpoint; a kill
 * notice for a takedown. Layout, order, signing and retries: docs/broadcast.md.
 */
export class BroadcastAdapter implements ChannelAdapter<BroadcastChannel, PreparedBroadcast, SentBroadcast> {
  readonly type = 'broadcast';
  readonly #http: HttpClient;
  readonly #secrets: ChannelSecrets;
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
    this.#secrets = new ChannelSecrets(deps.secrets);
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
      return {
        assetId: assoc.name,
        key: source.key,
        path: `${this.#dir(ctx)}/${PACKAGE_FILES.mediaDir}/${assoc.name}-${basename}`,
        contentType: rendition.contenttype,
        ...mediaDetailsOf(assoc, assoc.descriptions?.find((t) => t.role === 'alt')?.value),
      };
    });
    const sign = await this.#signer(ctx);
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
      const pushed = await pushMedia(this.#packages, target, m, n);
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
        ...pickDetails(m),
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
    const target = this.#target(ctx, await this.#signer(ctx));
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

  #signer(ctx: Ctx): Promise<Signer | undefined> {
    return signerOf(this.#secrets, this.#clock, ctx.agreement.agreementId, ctx.channel);
  }

  #target(ctx: Ctx, sign: Signer | undefined) {
    return targetOf(ctx, { http: this.#http, ingest: this.#ingest }, sign);
  }
}
