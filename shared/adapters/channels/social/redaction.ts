import type { HttpResult } from '#ports/http-client.ts';

/**
 * The answer with every occurrence of the token (and of any other secret given) taken out of its
 * body: an API may quote a malformed token in its error message (Graph does: "Malformed access token
 * EAAB…"), and that message reaches operators.
 */
export function redacted(result: HttpResult, ...secrets: string[]): HttpResult {
  if (result.kind !== 'response' || result.body === undefined) return result;
  const body = scrubbed(result.body, secrets);
  return body === result.body ? result : { ...result, body };
}

/** `text` with every occurrence of each secret replaced by `[token]` (longest first: one may contain another). */
export function scrubbed(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret && out.includes(secret)) out = out.split(secret).join('[token]');
  }
  return out;
}
