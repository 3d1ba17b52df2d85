import { CliError, EXIT } from './client.ts';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 24h` / `7d` / `30m` (ago), or an ISO time; anything else is a usage error naming the flag. */
export function when(flag: string, value: string | undefined, now: Date): string | undefined {
  if (value === undefined) return undefined;
  const rel = /^(\d+)([mhd])$/.exec(value);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * (UNITS[rel[2] ?? 'h'] ?? 0)).toISOString();
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value).toISOString();
  }
  throw new CliError(
    `--${flag} ${value}: use an ISO time (2025-06-01T08:00:00Z) or an age such as 30m, 24h, 7d`,
    EXIT.usage,
  );
}

/** `7d` / `12h` / `3600` (seconds) → seconds. */
export function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)([smhd]?)$/.exec(value);
  if (!m) throw new CliError(`--${flag} ${value}: use seconds or an age such as 30m, 24h, 7d`, EXIT.usage);
  const unit = m[2] === 'm' ? 60 : m[2] === 'h' ? 3600 : m[2] === 'd' ? 86_400 : 1;
  return Number(m[1]) * unit;
}
