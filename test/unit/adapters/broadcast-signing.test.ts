import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signerOf } from '#adapters/channels/broadcast-targets.ts';
import {
  ChannelSecrets,
  deriveChannelSecret,
  MASTER_SIGNING_KEY_REF,
  type MasterKey,
} from '#domain/signing-keys.ts';
import type { ChannelOf } from '#ports/channel-adapter.ts';
import { ChannelRefusal } from '#ports/channel-adapter.ts';
import { MemorySecretStore } from '#test/support/memory/ports.ts';

const MASTER: MasterKey = { versions: { '1': Buffer.alloc(32, 5).toString('base64') } };
const NOW = new Date();
const clock = { now: () => NOW };
const channel = (c: Partial<ChannelOf<'broadcast'>>) =>
  ({
    channelId: 'ingest',
    type: 'broadcast',
    target: 'http',
    url: 'https://ingest.example/',
    ...c,
  }) as ChannelOf<'broadcast'>;
const secretOf = (version: number) =>
  deriveChannelSecret(MASTER, { agreementId: 'vov', channelId: 'ingest', version, master: 1 });

async function store() {
  const secrets = new MemorySecretStore();
  await secrets.put(MASTER_SIGNING_KEY_REF, JSON.stringify(MASTER));
  return new ChannelSecrets(secrets);
}

describe('a broadcast ingest’s signatures', () => {
  it('verify with the old and the new secret during a rotation’s overlap, and only the new after it', async () => {
    const until = new Date(NOW.getTime() + 3_600_000).toISOString();
    const rotated = channel({
      signingKeys: [
        { version: 2, master: 1 },
        { version: 1, master: 1, validUntil: until },
      ],
    });
    const over = channel({
      signingKeys: [
        { version: 2, master: 1 },
        { version: 1, master: 1, validUntil: NOW.toISOString() },
      ],
    });
    // standardwebhooks parses what it verified as JSON: a JSON stand-in for the file's text.
    const body = '{"file":"newsml.xml"}';

    const during = (await signerOf(await store(), clock, 'vov', rotated))?.('msg_1', body) ?? {};
    const after = (await signerOf(await store(), clock, 'vov', over))?.('msg_1', body) ?? {};

    expect(() => new Webhook(secretOf(1)).verify(body, during)).not.toThrow();
    expect(() => new Webhook(secretOf(2)).verify(body, during)).not.toThrow();
    expect(() => new Webhook(secretOf(2)).verify(body, after)).not.toThrow();
    expect(() => new Webhook(secretOf(1)).verify(body, after)).toThrow();
  });

  it('needs no signer for an S3 target, and refuses (for good) an HTTP channel with no secret', async () => {
    const s3 = { channelId: 'b', type: 'broadcast', target: 's3', bucket: 'vov-ingest', prefix: '' } as const;
    expect(await signerOf(await store(), clock, 'vov', s3)).toBeUndefined();
    await expect(
      signerOf(new ChannelSecrets(new MemorySecretStore()), clock, 'vov', channel({})),
    ).rejects.toThrow(ChannelRefusal);
  });
});
