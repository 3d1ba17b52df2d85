/** The outcome of one outbound HTTP request: a response, or a network-level failure. */
export type HttpResult =
  | { kind: 'response'; status: number; headers: Record<string, string>; durationMs: number }
  | { kind: 'network-error'; error: string; durationMs: number };

export interface HttpClient {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<HttpResult>;
}
