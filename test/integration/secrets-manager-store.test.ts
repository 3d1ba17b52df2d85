import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '#adapters/aws/secrets-manager-store.ts';

// There is no local Secrets Manager: the client is mocked, and only the store's cache is under test.
const client = new SecretsManagerClient({ region: 'us-east-1' });
const sm = mockClient(client);
afterEach(() => sm.reset());

const REF = 'loa/agreements/vtv4/channels/x/credentials';

describe('SecretsManagerStore cache', () => {
  it('serves a secret from its cache, and reads Secrets Manager again for a fresh read', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"accessToken":"first-token-0001"}' })
      .resolvesOnce({ SecretString: '{"accessToken":"renewed-by-another-worker"}' });
    const store = new SecretsManagerStore({ client });

    expect(await store.get(REF)).toBe('{"accessToken":"first-token-0001"}');
    // Another worker stored a renewed token: the cache still has the old one for 5 minutes.
    expect(await store.get(REF)).toBe('{"accessToken":"first-token-0001"}');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);

    expect(await store.get(REF, { fresh: true })).toBe('{"accessToken":"renewed-by-another-worker"}');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // The fresh value refills the cache.
    expect(await store.get(REF)).toBe('{"accessToken":"renewed-by-another-worker"}');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('forgets a cached secret that a fresh read finds deleted', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'v1' })
      .rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    const store = new SecretsManagerStore({ client });
    await store.get(REF);

    expect(await store.get(REF, { fresh: true })).toBeUndefined();
    expect(await store.get(REF)).toBeUndefined();
  });

  it('asks again for a secret it did not find, so one created since is seen at once', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }))
      .resolvesOnce({ SecretString: 'created-since' });
    const store = new SecretsManagerStore({ client });

    expect(await store.get(REF)).toBeUndefined();
    expect(await store.get(REF)).toBe('created-since');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('shares one read between concurrent gets of a secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'one-read' });
    const store = new SecretsManagerStore({ client });

    const values = await Promise.all([store.get(REF), store.get(REF), store.get(REF)]);

    expect(values).toEqual(['one-read', 'one-read', 'one-read']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });
});
