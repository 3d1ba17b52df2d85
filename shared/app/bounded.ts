/**
 * `fn` over `items` with at most `limit` calls in flight, results in the items' order. After the
 * first rejection no new call starts; the calls already started run to their end, and only then does
 * the whole reject with that first error: nothing the caller began is still running once it fails (a
 * Lambda's work does not run on into a frozen container, or its next invocation).
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
