import { z } from 'zod';
import { isoDateTime, language, slug, text, topic } from './text.ts';

export const AGREEMENT_STATUS = { active: 'active', suspended: 'suspended', expired: 'expired' } as const;
export const AgreementStatus = z.enum(['active', 'suspended', 'expired']);
export type AgreementStatus = z.infer<typeof AgreementStatus>;

/** Standard Webhooks secret: `whsec_` + base64 of 24 to 64 random bytes. */
export const webhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'must be "whsec_" followed by base64 of 24-64 bytes');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Channels as stored: secrets are never here, only a reference into the secret store. */
export const Channel = z.discriminatedUnion('type', [
  z.object({ channelId: slug('channelId'), type: z.literal('webhook'), url: httpUrl, secretRef: z.string() }),
  z.object({ channelId: slug('channelId'), type: z.literal('feed') }),
]);
export type Channel = z.infer<typeof Channel>;
export type ChannelType = Channel['type'];

/** Embargo handling: `hold` delivers after the embargo; `pass-through` sends at once with the embargo stated. */
export const EmbargoMode = z.enum(['hold', 'pass-through']);

export const FeedKey = z.object({
  kid: slug('kid'),
  createdAt: isoDateTime,
  retiredAt: isoDateTime.optional(),
});

export const Agreement = z.object({
  agreementId: slug('agreementId'),
  partner: z.object({ partnerId: slug('partnerId'), name: text(300).min(1) }),
  status: AgreementStatus,
  validFrom: z.iso.date(),
  validTo: z.iso.date(),
  topics: z.array(topic).min(1).max(100),
  languages: z.array(language).min(1).max(20),
  channels: z.array(Channel).min(1).max(20),
  embargo: EmbargoMode.default('hold'),
  feedKeys: z.array(FeedKey).default([]),
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
]);
export type ChannelInput = z.infer<typeof ChannelInput>;

export const CreateAgreementInput = z
  .object({
    agreementId: slug('agreementId').optional(),
    partner: z.object({ partnerId: slug('partnerId'), name: text(300).min(1) }),
    status: AgreementStatus.default('active'),
    validFrom: z.iso.date(),
    validTo: z.iso.date(),
    topics: z.array(topic).min(1).max(100),
    languages: z.array(language).min(1).max(20),
    channels: z.array(ChannelInput).min(1).max(20),
    embargo: EmbargoMode.default('hold'),
  })
  .strict()
  .refine((a) => a.validFrom <= a.validTo, { path: ['validTo'], message: 'must not be before validFrom' });
export type CreateAgreementInput = z.infer<typeof CreateAgreementInput>;
