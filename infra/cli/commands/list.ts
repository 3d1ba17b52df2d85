/** The shape most read-only commands share: GET a list, print it as a table (the list itself for `--json`). */
import type { Items } from '../api.ts';
import { type Context, get, type Output } from '../command.ts';
import { table } from '../format.ts';

/** GETs `path` (`{items}`) and prints the items with `columns`. */
export async function listed<T>(
  ctx: Context,
  path: string,
  columns: Record<string, (row: T) => unknown>,
): Promise<Output> {
  const { items } = await get<Items<T>>(ctx, path);
  return { json: items, human: table(items, columns) };
}
