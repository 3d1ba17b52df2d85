import * as z from 'zod';
import { Commitments } from './report.ts';
import { isoDateTime, language, line, slug, topic } from './text.ts';

export const AgreementStatus = z.enum(['active', 'suspended', 'expired']);
export type AgreementStatus = z.infer<typeof AgreementStatus>;

/** Standard Webhooks secret: `whsec_` + base64 of 24 to 64 random bytes. */
export const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'must be "whsec_" followed by base64 of 24-64 bytes');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Social networks Loa posts to; each is one adapter (shared/adapters/channels/social/). */
export const SocialNetwork = z.enum(['x', 'facebook', 'zalo']);
export type SocialNetwork = z.infer<typeof SocialNetwork>;

/** Public API base of each network; a channel's `baseUrl` overrides it (tests, the demo's fakes). */
export const SOCIAL_BASE_URL: Record<SocialNetwork, string> = {
  x: 'https://api.x.com',
  facebook: 'https://graph.facebook.com/v21.0',
  zalo: 'https://openapi.zalo.me',
};

/**
 * Where a network's OAuth token endpoint lives when the channel names none (`authBaseUrl`): X's is on
 * its API host (the channel's `baseUrl`), Zalo's on its own host. Facebook page tokens are not refreshed.
 */
export const SOCIAL_AUTH_BASE_URL: Partial<Record<SocialNetwork, string>> = {
  zalo: 'https://oauth.zaloapp.com',
};

/** An S3 bucket name as S3 accepts it. */
const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z, 0-9, . and -)');
/** A key prefix: relative, no `..`/`.` or empty segments; empty, or ending in `/`. */
const keyPrefix = z
  .string()
  .max(512)
  .regex(
    /^(?:(?!\.{1,2}\/)[A-Za-z0-9!_.*'()-]+\/)*$/,
    'must be empty or segments ending in "/", without "." or ".."',
  );
/** Only roles named `loa-ingest-*` may be assumed (infra/constructs/grants.ts), so only those are accepted. */
const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*loa-ingest-[\w+=,.@-]{1,53}$/,
    'must be the ARN of an IAM role named loa-ingest-…',
  );
const credentialsRef = z.string().min(1);

/**
 * One signing key of a webhook or broadcast-over-HTTP channel: a version derived from the master key
 * (shared/domain/signing-keys.ts), or a secret stored on its own (an operator's own secret, or a channel
 * created before derived keys). `validUntil` ends a previous key's overlap after a rotation.
 */
export const SigningKey = z.union([
  z.object({
    version: z.number().int().min(1),
    /** The master key's version it is derived from. */
    master: z.number().int().min(1),
    /**
     * The agreement it was derived for: a renewal copies its predecessor's channels, and the partner
     * keeps verifying with the same secret. Absent: the agreement that holds it.
     */
    derivedFor: slug('agreementId').optional(),
    validUntil: isoDateTime.optional(),
  }),
  z.object({ secretRef: z.string().min(1), validUntil: isoDateTime.optional() }),
]);
export type SigningKey = z.infer<typeof SigningKey>;

/**
 * How a channel signs: `signingKeys`, current first (a previous one while its overlap lasts), or, for a
 * channel from before derived keys that was never rotated, the one stored secret `secretRef`.
 */
const signing = {
  secretRef: z.string().optional(),
  signingKeys: z.array(SigningKey).min(1).max(5).optional(),
};

/** Channels as stored: secrets are never here, only key versions or a reference into the secret store. */
export const Channel = z.discriminatedUnion('type', [
  z.object({ channelId: slug('channelId'), type: z.literal('webhook'), url: httpUrl, ...signing }),
  z.object({ channelId: slug('channelId'), type: z.literal('feed') }),
  /** Media RSS + NewsML-G2 and the media, pushed to the partner's ingest (docs/broadcast.md). */
  z.discriminatedUnion('target', [
    z.object({
      channelId: slug('channelId'),
      type: z.literal('broadcast'),
      target: z.literal('http'),
      url: httpUrl,
      /** The Standard Webhooks secret(s) that sign every PUT. */
      ...signing,
    }),
    z.object({
      channelId: slug('channelId'),
      type: z.literal('broadcast'),
      target: z.literal('s3'),
      bucket: bucketName,
      prefix: keyPrefix,
      /** Role in the partner's account that may write there; assumed with the agreement id as external id. */
      roleArn: roleArn.optional(),
    }),
  ]),
  /** A post on the partner's account (docs/social.md). */
  z.object({
    channelId: slug('channelId'),
    type: z.literal('social'),
    network: SocialNetwork,
    baseUrl: httpUrl,
    /** The account posted as: a Facebook page id (required there), an X user id, a Zalo OA id. */
    accountId: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z, a-z, 0-9, _ . -')
      .optional(),
    /** The network's credentials (JSON) in the secret store. */
    credentialsRef,
    /**
     * Base URL of the network's OAuth token endpoint, for a token refresh; by default X's is the
     * channel's baseUrl and Zalo's https://oauth.zaloapp.com (social/token-session.ts). Tests and the demo
     * point it at the local fakes.
     */
    authBaseUrl: httpUrl.optional(),
  }),
]);
export type Channel = z.infer<typeof Channel>;
export type ChannelType = Channel['type'];

/** An OAuth token as the networks issue them: 8 to 4,096 printable ASCII characters. */
const oauthToken = z
  .string()
  .min(8)
  .max(4096)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');
/** An OAuth client id or secret (X's client id and secret, Zalo's app id and secret key). */
const oauthClientValue = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII');

/**
 * A network's credentials as the operator sends them: an OAuth 2.0 access token (X: user context with
 * tweet.write; Facebook: a page access token; Zalo: the OA access token) and, for the networks whose
 * tokens expire (X, Zalo), what renews it: the refresh token and the app's client id (X: OAuth 2.0
 * client id; Zalo: app id) and secret (X: for a confidential client; Zalo: the app's secret key).
 * Without a refresh token and client id, an expired token fails every post until replaced
 * (docs/social.md, "Tokens and refresh").
 */
export const SocialCredentials = z
  .object({
    accessToken: oauthToken,
    refreshToken: oauthToken.optional(),
    clientId: oauthClientValue.optional(),
    clientSecret: oauthClientValue.optional(),
  })
  .strict();
export type SocialCredentials = z.infer<typeof SocialCredentials>;

/** Embargo handling: `hold` delivers after the embargo; `pass-through` sends at once with the embargo stated. */
export const EmbargoMode = z.enum(['hold', 'pass-through']);

/**
 * One feed/link key of an agreement (docs/feeds.md, "Keys"). `master`: the master key version its
 * material is derived from (shared/domain/signing-keys.ts `deriveFeedKey`), stored nowhere. Absent: a
 * key from before derived feed keys, its material stored in the secret store (`feedKeyRef`).
 * `source: 'feed-master'`: `master` is a version of the feed master key (`loa/master-feed-key`), as for
 * every key added now; absent, of the signing master key (an entry written before the feed master).
 */
const FeedKey = z.object({
  kid: slug('kid'),
  createdAt: isoDateTime,
  master: z.number().int().min(1).optional(),
  source: z.literal('feed-master').optional(),
  retiredAt: isoDateTime.optional(),
});
export type FeedKey = z.infer<typeof FeedKey>;

export const Agreement = z.object({
  agreementId: slug('agreementId'),
  partner: z.object({ partnerId: slug('partnerId'), name: line(300).min(1) }),
  status: AgreementStatus,
  validFrom: z.iso.date(),
  validTo: z.iso.date(),
  topics: z.array(topic).min(1).max(100),
  languages: z.array(language).min(1).max(20),
  channels: z.array(Channel).min(1).max(20),
  embargo: EmbargoMode.default('hold'),
  feedKeys: z.array(FeedKey).default([]),
  /** Targets per topic and period (docs/reports.md). */
  commitments: Commitments.optional(),
  /** The agreement this one renews (same partner, the next term), and the one that renewed it. */
  renewalOf: slug('agreementId').optional(),
  renewedBy: slug('agreementId').optional(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type Agreement = z.infer<typeof Agreement>;

/** What an operator sends to create an agreement (`POST /ops/agreements`). */
export const ChannelInput = z.discriminatedUnion('type', [
  z.object({
    channelId: slug('channelId').optional(),
    type: z.literal('webhook'),
    url: httpUrl,
    secret: webhookSecret.optional(),
  }),
  z.object({ channelId: slug('channelId').optional(), type: z.literal('feed') }),
  z.discriminatedUnion('target', [
    z.object({
      channelId: slug('channelId').optional(),
      type: z.literal('broadcast'),
      target: z.literal('http'),
      url: httpUrl,
      secret: webhookSecret.optional(),
    }),
    z.object({
      channelId: slug('channelId').optional(),
      type: z.literal('broadcast'),
      target: z.literal('s3'),
      bucket: bucketName,
      prefix: keyPrefix.default(''),
      roleArn: roleArn.optional(),
    }),
  ]),
  z
    .object({
      channelId: slug('channelId').optional(),
      type: z.literal('social'),
      network: SocialNetwork,
      baseUrl: httpUrl.optional(),
      /** The OAuth token endpoint's base, when not the network's own (tests, the demo's fakes). */
      authBaseUrl: httpUrl.optional(),
      accountId: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z, a-z, 0-9, _ . -')
        .optional(),
      /** Sent once, stored in the secret store on receipt, never returned or logged. */
      credentials: SocialCredentials,
    })
    .refine((c) => c.network !== 'facebook' || c.accountId, {
      path: ['accountId'],
      message: 'is required for facebook: the page id posted to',
    }),
]);
export type ChannelInput = z.infer<typeof ChannelInput>;

export const CreateAgreementInput = z
  .object({
    agreementId: slug('agreementId').optional(),
    partner: z.object({ partnerId: slug('partnerId'), name: line(300).min(1) }),
    status: AgreementStatus.default('active'),
    validFrom: z.iso.date(),
    validTo: z.iso.date(),
    topics: z.array(topic).min(1).max(100),
    languages: z.array(language).min(1).max(20),
    channels: z.array(ChannelInput).min(1).max(20),
    embargo: EmbargoMode.default('hold'),
    commitments: Commitments.optional(),
  })
  .strict()
  .refine((a) => a.validFrom <= a.validTo, { path: ['validTo'], message: 'must not be before validFrom' })
  .superRefine((a, ctx) => {
    a.commitments?.forEach((c, i) => {
      if (!a.topics.includes(c.topic))
        ctx.addIssue({
          code: 'custom',
          path: ['commitments', i, 'topic'],
          message: 'is not a topic of the agreement',
        });
    });
    // A channel id names its secrets and its deliveries: two channels with one id would share both.
    const seen = new Set<string>();
    a.channels.forEach((c, i) => {
      if (!c.channelId) return;
      if (seen.has(c.channelId)) {
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'channelId'], message: 'duplicated channelId' });
      }
      seen.add(c.channelId);
    });
  });
export type CreateAgreementInput = z.infer<typeof CreateAgreementInput>;
