import { LoaError } from './errors.ts';

/** One place assets may be copied from: a bucket, optionally only keys under a prefix. */
export interface SourceRule {
  bucket: string;
  prefix: string;
}

/** An asset named a bucket (or key) outside the allow-list: a recorded rejection, never a copy. */
export class SourceRefusedError extends LoaError {}

/** Reads `bucket` or `bucket/prefix/` entries (LOA_SOURCE_BUCKETS, comma-separated) into rules. */
export function parseSourceRules(entries: readonly string[]): SourceRule[] {
  return entries
    .map((e) => e.trim())
    .filter(Boolean)
    .map((e) => {
      const slash = e.indexOf('/');
      return slash < 0
        ? { bucket: e, prefix: '' }
        : { bucket: e.slice(0, slash), prefix: e.slice(slash + 1) };
    });
}

/** Why an asset at `bucket`/`key` may not be copied under `rules`; undefined when it may. */
export function sourceProblem(rules: readonly SourceRule[], bucket: string, key: string): string | undefined {
  const allowed = rules.some((r) => r.bucket === bucket && key.startsWith(r.prefix));
  if (allowed) return undefined;
  const where = rules.map((r) => `s3://${r.bucket}/${r.prefix}`).join(', ');
  return `s3://${bucket}/${key} is outside the allowed asset sources (${where})`;
}
