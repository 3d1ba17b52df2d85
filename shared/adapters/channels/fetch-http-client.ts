import type { HttpClient, HttpResult } from '#ports/http-client.ts';

/** Outbound HTTP with Node's fetch: a per-request timeout, no redirects followed (a 3xx is the partner's answer). */
export class FetchHttpClient implements HttpClient {
  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<HttpResult> {
    const started = performance.now();
    const duration = () => Math.round(performance.now() - started);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain the body so the connection can be reused; its content does not matter.
      await res.arrayBuffer().catch(() => undefined);
      return {
        kind: 'response',
        status: res.status,
        headers: Object.fromEntries(res.headers),
        durationMs: duration(),
      };
    } catch (error) {
      return { kind: 'network-error', error: describeNetworkError(error), durationMs: duration() };
    }
  }
}

/** A short reason: `timeout after 10000 ms`, `ECONNREFUSED`, `ECONNRESET`. */
function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'timeout';
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
