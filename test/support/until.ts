/**
 * Polls `check` every 25 ms until it holds, failing after `ms` with what was awaited. Tests wait on
 * what they expect, never on a fixed sleep: a slow machine only takes longer.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
