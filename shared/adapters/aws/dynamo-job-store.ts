import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#domain/errors.ts';
import type { JobStore, OpsJob } from '#ports/job-store.ts';
import { conditionalWrite, getItem, ITEM_ABSENT, type PutCondition, type Table } from './dynamo-commands.ts';
import { keys } from './table.ts';

/** Optimistic lock: only the holder of the last `seq` read may write the next state. */
const SEQ_UNCHANGED = '#job.#seq = :expected';

/** Operator jobs as single items `JOB#<id>` / `META`; every change is a whole-item put guarded by `seq`. */
export class DynamoJobStore implements JobStore {
  constructor(private readonly table: Table) {}

  async create(job: OpsJob): Promise<void> {
    if (!(await this.put(job, { ConditionExpression: ITEM_ABSENT })))
      throw new ConflictError(`job ${job.jobId} already exists`);
  }

  async get(jobId: string): Promise<OpsJob | undefined> {
    return (await getItem(this.table, keys.job(jobId), true))?.job as OpsJob | undefined;
  }

  save(job: OpsJob, expectedSeq: number): Promise<boolean> {
    return this.put(job, {
      ConditionExpression: SEQ_UNCHANGED,
      ExpressionAttributeNames: { '#job': 'job', '#seq': 'seq' },
      ExpressionAttributeValues: { ':expected': expectedSeq },
    });
  }

  /** Writes the whole job item under `condition`; false when it does not hold. */
  private put(job: OpsJob, condition: PutCondition): Promise<boolean> {
    return conditionalWrite(() =>
      this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...keys.job(job.jobId), entity: 'job', job },
          ...condition,
        }),
      ),
    );
  }
}
