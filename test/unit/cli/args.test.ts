import { describe, expect, it } from 'vitest';
import { CliError, endpointOf } from '#infra/cli/client.ts';
import { progressBar, table } from '#infra/cli/format.ts';
import { seconds, when } from '#infra/cli/when.ts';

const NOW = new Date('2026-03-01T12:00:00Z');

describe('CLI arguments', () => {
  it('reads ages and ISO times for --since and --until', () => {
    expect(when('since', '24h', NOW)).toBe('2026-02-28T12:00:00.000Z');
    expect(when('since', '30m', NOW)).toBe('2026-03-01T11:30:00.000Z');
    expect(when('until', '2026-02-01T08:00:00+07:00', NOW)).toBe('2026-02-01T01:00:00.000Z');
    expect(when('since', undefined, NOW)).toBeUndefined();
  });

  it('refuses a time it cannot read as a usage error naming the flag', () => {
    const attempt = () => when('since', 'yesterday', NOW);

    expect(attempt).toThrow(CliError);
    expect(attempt).toThrow(/--since yesterday/);
    try {
      attempt();
    } catch (error) {
      expect((error as CliError).exitCode).toBe(2);
    }
  });

  it('reads feed URL lifetimes', () => {
    expect(seconds('ttl', '7d')).toBe(604_800);
    expect(seconds('ttl', '3600')).toBe(3600);
    expect(() => seconds('ttl', 'a week')).toThrow(/--ttl/);
  });

  it('takes the endpoint from the flag, then LOA_ENDPOINT, then the local server', () => {
    expect(endpointOf('https://x.execute-api.eu-west-1.amazonaws.com', {}).host).toBe(
      'x.execute-api.eu-west-1.amazonaws.com',
    );
    expect(endpointOf(undefined, { LOA_ENDPOINT: 'http://127.0.0.1:4310' }).port).toBe('4310');
    expect(endpointOf(undefined, {}).href).toBe('http://127.0.0.1:4010/');
    expect(() => endpointOf('ftp://x', {})).toThrow(/not an http\(s\) URL/);
  });
});

describe('CLI output', () => {
  it('aligns table columns and keeps each row on one line', () => {
    const out = table(
      [
        { a: 'x', b: 'line one\nline two' },
        { a: 'longer', b: '' },
      ],
      {
        A: (r) => r.a,
        B: (r) => r.b,
      },
    );

    expect(out.split('\n')).toEqual(['A       B', 'x       line one line two', 'longer']);
  });

  it('draws progress from done and skipped against the total', () => {
    expect(progressBar({ status: 'running', total: 10, done: 4, skipped: 1 }, 10)).toBe(
      '[#####-----]  50%  done 4  skipped 1  of 10  running',
    );
  });
});
