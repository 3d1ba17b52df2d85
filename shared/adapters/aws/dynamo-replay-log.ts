import { ConflictError } from '#domain/errors.ts';
import type { ReplayAudit, ReplayLog } from '#ports/replay-log.ts';
import { newestFirst, putIfAbsent, type Table } from './dynamo-commands.ts';
import { keys } from './table.ts';

/** Replay audits in one partition `REPLAYS` / `<requestedAt>#<replayId>`, newest first. */
export class DynamoReplayLog implements ReplayLog {
  constructor(private readonly table: Table) {}

  async record(audit: ReplayAudit): Promise<void> {
    const item = {
      pk: keys.replays,
      sk: `${audit.requestedAt}#${audit.replayId}`,
      entity: 'replay',
      ...audit,
    };
    // An audit is written once: the same replay recorded again is a conflict, not an overwrite.
    if (!(await putIfAbsent(this.table, item)))
      throw new ConflictError(`replay ${audit.replayId} is already recorded`);
  }

  async list(limit: number): Promise<ReplayAudit[]> {
    return (await newestFirst(this.table, keys.replays, limit)).map(
      ({ replayId, requestedBy, requestedAt, filter, count, deliveryIds, kind }) => ({
        replayId,
        requestedBy,
        requestedAt,
        filter,
        count,
        deliveryIds,
        // `bulk` is what replays by filter were called before they took their job's name.
        ...(kind && { kind: kind === 'bulk' ? 'replay' : kind }),
      }),
    ) as ReplayAudit[];
  }
}
