import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '#ports/secret-store.ts';

/**
 * Secrets Manager, with a short in-memory cache so a warm function does not read a secret per message.
 * A `fresh` read skips the cache (and refills it): a social token another worker refreshed must be
 * seen at once, not up to 5 minutes later.
 */
export class SecretsManagerStore implements SecretStore {
  private readonly cache = new Map<string, { value: string; until: number }>();

  constructor(private readonly deps: { client: SecretsManagerClient; ttlMs?: number; now?: () => number }) {}

  async get(ref: string, options: { fresh?: boolean } = {}): Promise<string | undefined> {
    const now = (this.deps.now ?? Date.now)();
    const hit = options.fresh ? undefined : this.cache.get(ref);
    if (hit && hit.until > now) return hit.value;
    try {
      const out = await this.deps.client.send(new GetSecretValueCommand({ SecretId: ref }));
      if (out.SecretString === undefined) {
        this.cache.delete(ref);
        return undefined;
      }
      this.cache.set(ref, { value: out.SecretString, until: now + (this.deps.ttlMs ?? 300_000) });
      return out.SecretString;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        this.cache.delete(ref);
        return undefined;
      }
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
    this.cache.delete(ref);
  }
}
