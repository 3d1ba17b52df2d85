/**
 * Signing secrets of webhook and broadcast-over-HTTP channels, derived from one master key rather than
 * stored one per channel (docs/security.md, "Signing secrets"). The master key is one secret in the
 * secret store, `{versions: {"1": "<base64 of 32 bytes>"}}`, read once per container. A channel keeps
 * only its key versions; its secret for version v is
 * `whsec_` + base64(HKDF-SHA256(masterKey[m], info = "loa/webhook/<agreementId>/<channelId>/<v>")).
 * A channel created before this keeps its stored secret (`secretRef`) until it is rotated.
 * An agreement's feed keys come from a second master key, the feed master key (`MASTER_FEED_KEY_REF`,
 * same shape and versioning; `deriveFeedKey`, info `loa/feed-key/…`), so that what checks feed URLs and
 * signs asset links cannot read the key every webhook secret comes from. A feed key entry marked
 * `source: 'feed-master'` is derived from it; one with a master version but no source is from before
 * the feed master and derives from the signing master; one without a master version is a stored key
 * from before derived feed keys (`feedKeyRef`).
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import type { SecretStore } from '#ports/secret-store.ts';
import type { Agreement, Channel, SigningKey } from '#schemas/agreement.ts';

/**
 * Where an agreement's feed/link key `kid` is kept in the secret store: only keys from before derived
 * feed keys (their `feedKeys` entry names no `master`); a derived key is stored nowhere.
 */
export const feedKeyRef = (agreementId: string, kid: string) =>
  `loa/agreements/${agreementId}/feed-keys/${kid}`;

/** The signing master key's name in the secret store (one Secrets Manager secret on AWS). */
export const MASTER_SIGNING_KEY_REF = 'loa/master-signing-key';

/**
 * The feed master key's name in the secret store: feed/link keys only (docs/security.md), so the
 * public-facing feeds and assets functions never hold the key partners' webhook secrets come from.
 */
export const MASTER_FEED_KEY_REF = 'loa/master-feed-key';

/** The value of a FeedKey entry's `source` for a key derived from the feed master key. */
export const FEED_MASTER_SOURCE = 'feed-master';

/** Hours both the old and the new secret sign after a rotation, unless the operator says otherwise. */
export const DEFAULT_OVERLAP_HOURS = 24;

/** The master key as stored: every version's key material, base64 of 32 bytes. */
export interface MasterKey {
  versions: Record<string, string>;
}

/** A new master key with one version, for a store that has none yet (the local runtime, a test). */
export function newMasterKey(): MasterKey {
  return { versions: { '1': randomBytes(32).toString('base64') } };
}

/**
 * The master key as stored: `{versions: {...}}`, or the versions alone, `{"1": "..."}`, as Secrets
 * Manager generates it for the stateful stack (a generated value can only be a top-level key). The
 * material is read as base64: a generated one of 44 letters and digits gives 33 bytes.
 */
export function parseMasterKey(raw: string): MasterKey {
  const parsed = JSON.parse(raw) as Partial<MasterKey> & Record<string, string>;
  return parsed.versions ? { versions: parsed.versions } : { versions: parsed };
}

/** The newest version of a master key. */
export function currentMasterVersion(master: MasterKey): number {
  return Math.max(...Object.keys(master.versions).map(Number));
}

/** One channel's signing secret for its key version `version`, from master key version `master`. */
export function deriveChannelSecret(
  master: MasterKey,
  key: { agreementId: string; channelId: string; version: number; master: number },
): string {
  const material = master.versions[String(key.master)];
  if (!material) throw new Error(`master signing key has no version ${key.master}`);
  const info = `loa/webhook/${key.agreementId}/${key.channelId}/${key.version}`;
  const bytes = hkdfSync('sha256', Buffer.from(material, 'base64'), Buffer.alloc(0), info, 32);
  return `whsec_${Buffer.from(bytes).toString('base64')}`;
}

/**
 * One agreement's feed/link key `kid` (it signs feed URLs and asset links, shared/domain/url-signing.ts),
 * from version `master` of the master key it names (the feed master key; the signing master key for an
 * entry from before it): base64url(HKDF-SHA256(masterKey[m], info = "loa/feed-key/<agreementId>/<kid>")),
 * 32 bytes, the same form a stored feed key has. The info's prefix keeps it apart from every webhook and
 * broadcast secret (`loa/webhook/…`): no channel secret can equal a feed key, nor the other way round.
 */
export function deriveFeedKey(
  master: MasterKey,
  key: { agreementId: string; kid: string; master: number },
): string {
  const material = master.versions[String(key.master)];
  if (!material) throw new Error(`master key has no version ${key.master}`);
  const info = `loa/feed-key/${key.agreementId}/${key.kid}`;
  return Buffer.from(hkdfSync('sha256', Buffer.from(material, 'base64'), Buffer.alloc(0), info, 32)).toString(
    'base64url',
  );
}

/** A channel that signs what it sends: a webhook, or a broadcast over HTTP. */
export type SignedChannel = Extract<Channel, { type: 'webhook' } | { type: 'broadcast'; target: 'http' }>;

/**
 * The keys a channel signs with at `now`, current first: its `signingKeys` whose overlap has not
 * ended, or its stored secret when it was created before derived keys (and never rotated).
 */
export function activeSigningKeys(channel: SignedChannel, now: Date): SigningKey[] {
  if (!channel.signingKeys) return channel.secretRef ? [{ secretRef: channel.secretRef }] : [];
  return channel.signingKeys.filter((k) => !k.validUntil || Date.parse(k.validUntil) > now.getTime());
}

/** The next version number a rotation gives a channel: one above every derived version it has had. */
export function nextKeyVersion(channel: SignedChannel): number {
  const versions = (channel.signingKeys ?? []).flatMap((k) => ('version' in k ? [k.version] : []));
  return Math.max(0, ...versions) + 1;
}

/**
 * One master key in the secret store, read and cached once per container (a new version is read
 * again once), created on first use only when asked.
 */
class MasterKeyCache {
  readonly #secrets: SecretStore;
  readonly #ref: string;
  #master: Promise<MasterKey | undefined> | undefined;

  constructor(secrets: SecretStore, ref: string) {
    this.#secrets = secrets;
    this.#ref = ref;
  }

  async master(options: { create?: boolean } = {}): Promise<MasterKey | undefined> {
    this.#master ??= this.#read(false);
    let master = await this.#master.catch((error) => {
      this.#master = undefined;
      throw error;
    });
    // None yet is not cached: the ops API may create it while this container runs.
    if (!master) this.#master = undefined;
    if (!master && options.create) {
      master = newMasterKey();
      await this.#secrets.put(this.#ref, JSON.stringify(master));
      this.#master = Promise.resolve(master);
    }
    return master;
  }

  /** The master key, read again (once) when it lacks `version`: a version newer than the one cached. */
  async withVersion(version: number | undefined): Promise<MasterKey | undefined> {
    const master = await this.master();
    if (!master || version === undefined || master.versions[String(version)]) return master;
    this.#master = this.#read(true);
    return this.#master;
  }

  async #read(fresh: boolean): Promise<MasterKey | undefined> {
    const raw = await this.#secrets.get(this.#ref, fresh ? { fresh } : undefined);
    return raw ? parseMasterKey(raw) : undefined;
  }
}

/**
 * Reads and caches the master keys (each once per container, and only when needed: a webhook never
 * reads the feed master, a feed never the signing master), and turns a channel's key entries into
 * secrets and an agreement's feed key entries into feed keys. The secrets are never kept in data, only here.
 */
export class ChannelSecrets {
  readonly #secrets: SecretStore;
  readonly #signing: MasterKeyCache;
  readonly #feed: MasterKeyCache;

  constructor(secrets: SecretStore) {
    this.#secrets = secrets;
    this.#signing = new MasterKeyCache(secrets, MASTER_SIGNING_KEY_REF);
    this.#feed = new MasterKeyCache(secrets, MASTER_FEED_KEY_REF);
  }

  /** The signing master key, created on first use when the store has none and `create` is set (the ops API). */
  master(options: { create?: boolean } = {}): Promise<MasterKey | undefined> {
    return this.#signing.master(options);
  }

  /** The feed master key, created on first use when the store has none and `create` is set (the ops API). */
  feedMaster(options: { create?: boolean } = {}): Promise<MasterKey | undefined> {
    return this.#feed.master(options);
  }

  /** The secrets of `channel` at `now`, current first; a key whose material is missing is left out. */
  async of(agreementId: string, channel: SignedChannel, now: Date): Promise<string[]> {
    const secrets = await Promise.all(
      activeSigningKeys(channel, now).map((k) => this.#secret(agreementId, channel.channelId, k)),
    );
    return secrets.filter((s): s is string => Boolean(s));
  }

  async #secret(agreementId: string, channelId: string, key: SigningKey): Promise<string | undefined> {
    if ('secretRef' in key) return this.#secrets.get(key.secretRef);
    const master = await this.#signing.withVersion(key.master);
    if (!master?.versions[String(key.master)]) return undefined;
    return deriveChannelSecret(master, { channelId, ...key, agreementId: key.derivedFor ?? agreementId });
  }

  /**
   * The material of `agreementId`'s feed key `kid`, as the agreement lists it: derived from the feed
   * master key when its entry is marked `source: 'feed-master'`, from the signing master key when it
   * names a master version without a source (an entry from before the feed master), read from the
   * secret store (`feedKeyRef`) when it names no master version (a key from before derived feed keys).
   * A kid the agreement does not list, or no agreement, gives undefined after the same work as a key
   * derived from the feed master, so refusing it costs what refusing a bad signature does.
   */
  async feedKey(
    agreement: Agreement | undefined,
    agreementId: string,
    kid: string,
  ): Promise<string | undefined> {
    const entry = agreement?.feedKeys.find((k) => k.kid === kid);
    if (entry && entry.master === undefined) return this.#secrets.get(feedKeyRef(agreementId, kid));
    const keys = !entry || entry.source === FEED_MASTER_SOURCE ? this.#feed : this.#signing;
    const master = await keys.withVersion(entry?.master);
    const version = entry?.master ?? (master && currentMasterVersion(master));
    if (!master || !version || !master.versions[String(version)]) return undefined;
    const key = deriveFeedKey(master, { agreementId, kid, master: version });
    return entry ? key : undefined;
  }
}

/** One ChannelSecrets per secret store, so code handed only the store still reads each master key once. */
const perStore = new WeakMap<SecretStore, ChannelSecrets>();

/** The ChannelSecrets of `store`, made on first use: the master keys it caches are shared by its callers. */
export function signingSecretsOf(store: SecretStore): ChannelSecrets {
  let keys = perStore.get(store);
  if (!keys) {
    keys = new ChannelSecrets(store);
    perStore.set(store, keys);
  }
  return keys;
}
