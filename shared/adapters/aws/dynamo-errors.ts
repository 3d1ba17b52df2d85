import { InvalidCursorError } from '#domain/errors.ts';

/** Whether an SDK error is DynamoDB refusing a condition (translated to a domain outcome by the caller). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Opaque cursor for the next page: the LastEvaluatedKey, base64url JSON. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/** Reads a cursor back; undefined for none, and an Error for one that is not ours. */
export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // fall through to the clear error below
  }
  throw new InvalidCursorError(CURSOR_ERROR);
}

const CURSOR_ERROR = 'cursor is not one this API returned';

/**
 * Runs a query resuming from a caller's cursor. A cursor is only base64url JSON, so a forged one can
 * decode to a start key DynamoDB refuses (or the SDK cannot marshal): that is the caller's bad cursor,
 * not a server fault. Errors from a request that DynamoDB answered otherwise are re-thrown as they are.
 */
export async function resumingFrom<T>(cursor: string | undefined, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    const answered = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const refusedStart =
      error instanceof Error && (error.name === 'ValidationException' || answered === undefined);
    if (cursor && refusedStart && !isTransient(error))
      throw new InvalidCursorError(CURSOR_ERROR, { cause: error });
    throw error;
  }
}

/** Network-level failures that say nothing about the cursor. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    (error as Error).name === 'TimeoutError'
  );
}
