/** A message asking the `replay` worker to advance one job. */
export interface JobMessage {
  jobId: string;
}

/** The jobs queue (SQS `replay` on AWS). */
export interface JobQueue {
  enqueueJob(message: JobMessage, delaySeconds?: number): Promise<void>;
}
