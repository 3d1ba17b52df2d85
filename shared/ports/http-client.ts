import type { Readable } from 'node:stream';

/** The outcome of one outbound HTTP request: a response, or a network-level failure. */
export type HttpResult =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string>;
      durationMs: number;
      /** The answer's body as UTF-8 (at most 64 KiB), only when the request asked for it (`readBody`). */
      body?: string;
    }
  | { kind: 'network-error'; error: string; durationMs: number };

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One outbound request to a partner or a network's API. */
export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  /**
   * A string is sent as UTF-8 with its length; a stream is piped as it is read (never held whole in
   * memory), with the `content-length` from `headers` when the caller gives one, chunked otherwise.
   */
  body?: string | Uint8Array | Readable;
  /**
   * Deadline: for a string or buffer body, the whole exchange; for a stream body, the longest time
   * without progress (a 1 GB video may take minutes, but never stalls for this long).
   */
  timeoutMs: number;
  /** Keep the answer's body (APIs whose answer says what happened: ids, error codes). */
  readBody?: boolean;
  /**
   * Aborts the request where it stands (the invocation is about to run out): answered as a
   * `timeout` network error, as if the deadline had passed.
   */
  signal?: AbortSignal;
}

export interface HttpClient {
  post(
    url: string,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<HttpResult>;
  /**
   * Any request. Like `post`: no redirects followed, the SSRF guard applied where the connection is
   * made (TargetRefusedError), network failures and timeouts returned as `network-error`.
   */
  request(req: HttpRequest): Promise<HttpResult>;
}
