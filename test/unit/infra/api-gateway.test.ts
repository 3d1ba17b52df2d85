import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { apiGatewayEvent, queryParameters, toApiGatewayEvent } from '#infra/local/api-gateway.ts';

const request = (url: string, headers: Record<string, string | string[]> = {}) =>
  ({
    method: 'GET',
    url,
    headers,
    httpVersion: '1.1',
    socket: { remoteAddress: '127.0.0.1' },
  }) as unknown as IncomingMessage;

describe('toApiGatewayEvent', () => {
  it('keeps the raw query string and decodes the parameters as API Gateway does', () => {
    const url = new URL('/feeds/a.rss?kid=%6B1&q=H%C3%A0+Giang&x=1&x=2', 'http://localhost');
    const event = toApiGatewayEvent(request(url.href), url, Buffer.alloc(0));
    expect(event.rawQueryString).toBe('kid=%6B1&q=H%C3%A0+Giang&x=1&x=2');
    expect(event.queryStringParameters).toEqual({ kid: 'k1', q: 'Hà Giang', x: '1,2' });
  });

  it('has no query parameters and no body for a bare GET', () => {
    const url = new URL('/healthz', 'http://localhost');
    const event = toApiGatewayEvent(request(url.href), url, Buffer.alloc(0));
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.rawQueryString).toBe('');
  });

  it('joins repeated headers with commas and carries the principal and path parameters', () => {
    const url = new URL('/ops/agreements', 'http://localhost');
    const event = toApiGatewayEvent(request(url.href, { accept: ['a', 'b'] }), url, Buffer.from('{"a":1}'), {
      principal: 'local-ops-token',
      pathParameters: { id: 'x' },
    });
    expect(event.headers.accept).toBe('a,b');
    expect(event.body).toBe('{"a":1}');
    expect(event.pathParameters).toEqual({ id: 'x' });
    expect(event.requestContext).toMatchObject({ authorizer: { lambda: { principal: 'local-ops-token' } } });
  });

  it('gives every request its own id', () => {
    const url = new URL('/healthz', 'http://localhost');
    const a = toApiGatewayEvent(request(url.href), url, Buffer.alloc(0));
    const b = toApiGatewayEvent(request(url.href), url, Buffer.alloc(0));
    expect(a.requestContext.requestId).not.toBe(b.requestContext.requestId);
  });
});

describe('queryParameters', () => {
  it('reads every part of a query as API Gateway does: empty parts skipped, a name alone is empty', () => {
    expect(queryParameters('&&a=1&&b&c=&=d&e==f&')).toEqual({ a: '1', b: '', c: '', '': 'd', e: '=f' });
    expect(queryParameters('')).toBeUndefined();
    expect(queryParameters('&')).toEqual({});
  });

  it('decodes `%` escapes and `+` only where they stand, and keeps a malformed escape as it came', () => {
    expect(queryParameters('a+b=c%20d&x=%zz&k=%6B1')).toEqual({ 'a b': 'c d', x: '%zz', k: 'k1' });
  });

  it('takes `constructor` and `toString` as parameters like any other, repeated or not', () => {
    expect(queryParameters('constructor=1&toString=2&toString=3')).toEqual({
      constructor: '1',
      toString: '2,3',
    });
  });
});

describe('apiGatewayEvent', () => {
  it('builds the same event from a target as it came as toApiGatewayEvent from the parsed URL', () => {
    const url = new URL('/feeds/a.rss?expires=17&kid=k1&sig=abc', 'http://localhost');
    const req = request(url.href, { 'if-none-match': '"e"' });
    const parsed = toApiGatewayEvent(req, url, Buffer.alloc(0), { pathParameters: { file: 'a.rss' } });
    const plain = apiGatewayEvent(
      req,
      { path: '/feeds/a.rss', rawQuery: 'expires=17&kid=k1&sig=abc', host: 'localhost' },
      Buffer.alloc(0),
      { file: 'a.rss' },
    );

    // The request id, and the time the two were built at (they may fall in different milliseconds or seconds).
    const comparable = (e: typeof plain) => ({
      ...e,
      requestContext: { ...e.requestContext, requestId: '', time: '', timeEpoch: 0 },
    });
    expect(comparable(plain)).toEqual(comparable(parsed));
    expect(plain.queryStringParameters).toEqual({ expires: '17', kid: 'k1', sig: 'abc' });
    expect(plain.headers).toEqual({ 'if-none-match': '"e"' });
  });
});
