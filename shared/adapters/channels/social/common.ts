import type { PostInput } from '#domain/social-post.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import { type ChannelOf, ChannelRefusal } from '#ports/channel-adapter.ts';
import type { HttpResult } from '#ports/http-client.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import { SocialCredentials } from '#schemas/agreement.ts';

/**
 * What a social adapter's `send`/`undo` hands to its `classify`: the answer that decides the attempt,
 * which step it answered (`post`, `reply`, `delete 123…`) and the id the network gave what was created.
 */
export interface SocialSent {
  step: string;
  result: HttpResult;
  remoteId?: string;
}

/**
 * The channel's credentials from the secret store. Missing means the channel (or its secret) was
 * removed: nothing can ever be sent, so the delivery is discarded. Unreadable is an operator's mistake
 * that a replay can follow once fixed, so it fails. Neither message ever includes the stored value.
 */
export async function socialCredentials(
  secrets: SecretStore,
  channel: ChannelOf<'social'>,
): Promise<SocialCredentials> {
  const raw = await secrets.get(channel.credentialsRef);
  if (raw === undefined) {
    throw new ChannelRefusal(
      `${channel.network} credentials missing from the secret store (ref ${channel.credentialsRef})`,
      true,
    );
  }
  const parsed = SocialCredentials.safeParse(parseJson(raw));
  if (!parsed.success) {
    // Only the paths of what is wrong: zod's messages may quote the value.
    const paths = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
    throw new ChannelRefusal(
      `${channel.network} credentials in the secret store (ref ${channel.credentialsRef}) are not valid: ` +
        `expected JSON {"accessToken": "..."}, problem at ${paths}`,
    );
  }
  return parsed.data;
}

/**
 * What a post is built from, read from the version's stored ninjs manifest: the main headline, the
 * summary, the publisher's web version (altid `canonical`), the topics and the language. Text is
 * taken as stored, never normalised.
 */
export function postInputOf(manifest: NinjsDocument): PostInput {
  const title =
    manifest.headlines.find((h) => h.role === 'main')?.value ?? manifest.headlines[0]?.value ?? '';
  const summary = manifest.descriptions?.find((d) => d.role === 'summary')?.value;
  const link = manifest.altids.find((a) => a.role === 'canonical')?.value;
  return {
    title,
    ...(summary && { summary }),
    ...(link && { link }),
    topics: manifest.subjects.map((s) => s.name),
    language: manifest.language,
  };
}

/** A network's JSON answer, or undefined when there is none or it is not JSON (a proxy's HTML page). */
export function parseJson(body: string | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** `value` cut to at most `max` UTF-16 units (`…` included) without splitting a surrogate pair, for error texts. */
export function clip(value: string, max = 200): string {
  if (value.length <= max) return value;
  const end = /[\uD800-\uDBFF]/.test(value.charAt(max - 2)) ? max - 2 : max - 1;
  return `${value.slice(0, end)}…`;
}
