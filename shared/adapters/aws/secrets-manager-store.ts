import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { TtlCache } from '#domain/ttl-cache.ts';
import type { SecretStore } from '#ports/secret-store.ts';

/**
 * Secrets Manager, with a short in-memory cache so a warm function does not read a secret per message.
 * A `fresh` read skips the cache (and refills it): a social token another worker refreshed must be
 * seen at once, not up to 5 minutes later.
 */
export class SecretsManagerStore implements SecretStore {
  private readonly cache: TtlCache<string | undefined>;

  constructor(private readonly deps: { client: SecretsManagerClient; ttlMs?: number; now?: () => number }) {
    this.cache = new TtlCache({ ttlMs: deps.ttlMs ?? 300_000, maxEntries: 1_000, now: deps.now ?? Date.now });
  }

  async get(ref: string, options: { fresh?: boolean } = {}): Promise<string | undefined> {
    const load = () => this.read(ref);
    const value = await (options.fresh ? this.cache.refresh(ref, load) : this.cache.getOrLoad(ref, load));
    // A secret not there yet is asked for again next time, not remembered as missing.
    if (value === undefined) this.cache.forget(ref);
    return value;
  }

  private async read(ref: string): Promise<string | undefined> {
    try {
      const out = await this.deps.client.send(new GetSecretValueCommand({ SecretId: ref }));
      return out.SecretString;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async put(ref: string, value: string): Promise<void> {
    try {
      await this.deps.client.send(new CreateSecretCommand({ Name: ref, SecretString: value }));
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceExistsException')) throw error;
      await this.deps.client.send(new PutSecretValueCommand({ SecretId: ref, SecretString: value }));
    }
    this.cache.forget(ref);
  }
}
