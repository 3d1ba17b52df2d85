export interface ReplayAudit {
  replayId: string;
  requestedBy: string;
  requestedAt: string;
  filter: Record<string, unknown>;
  count: number;
  deliveryIds: string[];
  /**
   * `one` delivery, a `replay` by filter, a `backfill` to a new agreement, or the `catch-up` of a resumed channel (all run as jobs, of
   * the same kind names). Records written before the rename say `bulk`; the store reads them as `replay`.
   */
  kind?: 'one' | 'replay' | 'backfill' | 'catch-up';
}

/** The audit of operators' replays, newest first. */
export interface ReplayLog {
  record(audit: ReplayAudit): Promise<void>;
  list(limit: number): Promise<ReplayAudit[]>;
}
