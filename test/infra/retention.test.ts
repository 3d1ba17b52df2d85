/**
 * `-c retentionDays=N`: how long a finished delivery stays in the table on AWS (goal 6 of issue #14).
 * The stack hands it to every function as LOA_RETENTION_DAYS, which configFromEnv reads; a value that
 * would expire deliveries before their day's facts are sealed stops the synthesis, naming itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '#config/config.ts';
import { DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS } from '#domain/fact.ts';
import { createLoaApp, retentionDaysOf } from '#infra/stacks/loa-app.ts';
import { resourcesOf, type Synth, synthLoa, TEMPLATE_ONLY } from './synth.ts';

/** Every function's environment in a synthesized stack; values filled in at deploy time as a URL. */
function environments(s: Synth): Record<string, string>[] {
  return resourcesOf(s.json, 'AWS::Lambda::Function').map(([, fn]) => {
    const props = fn.Properties as { Environment: { Variables: Record<string, unknown> } };
    return Object.fromEntries(
      Object.entries(props.Environment.Variables).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : 'https://resolved.example.com',
      ]),
    );
  });
}

describe('retention of finished deliveries in the stack', () => {
  let named: Synth;
  let unnamed: Synth;
  beforeAll(() => {
    named = synthLoa({ ...TEMPLATE_ONLY, retentionDays: 365 });
    unnamed = synthLoa(TEMPLATE_ONLY);
  });
  afterAll(() => {
    named?.dispose();
    unnamed?.dispose();
  });

  it('gives every function the retention an operator names, as configFromEnv reads it', () => {
    const envs = environments(named);
    expect(envs.length).toBeGreaterThan(10);
    expect(new Set(envs.map((e) => e.LOA_RETENTION_DAYS))).toEqual(new Set(['365']));
    for (const env of envs) expect(configFromEnv(env).retentionDays).toBe(365);
  });

  it('leaves it out unless named, so the functions keep their default', () => {
    const envs = environments(unnamed);
    expect(envs.filter((e) => 'LOA_RETENTION_DAYS' in e)).toEqual([]);
    for (const env of envs) expect(configFromEnv(env).retentionDays).toBe(DEFAULT_RETENTION_DAYS);
    expect(retentionDaysOf(undefined)).toBeUndefined();
    expect(retentionDaysOf('')).toBeUndefined();
  });

  it('refuses a retention shorter than the sealing needs, or not a whole number of days, naming it', () => {
    expect(retentionDaysOf(String(MIN_RETENTION_DAYS))).toBe(MIN_RETENTION_DAYS);
    expect(() => retentionDaysOf(String(MIN_RETENTION_DAYS - 1))).toThrow(
      new RegExp(
        `retentionDays: "${MIN_RETENTION_DAYS - 1}" is not a whole number of days of at least ${MIN_RETENTION_DAYS}`,
      ),
    );
    expect(() => retentionDaysOf('90.5')).toThrow(/retentionDays: "90.5"/);
    expect(() => retentionDaysOf('ninety')).toThrow(/retentionDays: "ninety"/);
    expect(() => createLoaApp({ ...TEMPLATE_ONLY, retentionDays: MIN_RETENTION_DAYS - 1 })).toThrow(
      new RegExp(`retentionDays: ${MIN_RETENTION_DAYS - 1} is not`),
    );
  });
});
