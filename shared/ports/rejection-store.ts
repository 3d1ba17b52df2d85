/** A bus event we refused, kept where operators can see it (and replay it once fixed). */
export interface Rejection {
  rejectionId: string;
  at: string;
  handler: string;
  eventId: string;
  source: string;
  detailType: string;
  problems: string[];
  /** The raw detail, truncated to a bounded size. */
  detail: string;
}

export interface RejectionStore {
  record(rejection: Rejection): Promise<void>;
  list(limit: number): Promise<Rejection[]>;
}
