import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#domain/errors.ts';
import type { JobStore, OpsJob } from '#ports/job-store.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { keys } from './table.ts';

/** Operator jobs as single items `JOB#<id>` / `META`; every change is a whole-item put guarded by `seq`. */
export class DynamoJobStore implements JobStore {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  async create(job: OpsJob): Promise<void> {
    try {
      await this.deps.client.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: { ...keys.job(job.jobId), entity: 'job', job },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`job ${job.jobId} already exists`);
      throw error;
    }
  }

  async get(jobId: string): Promise<OpsJob | undefined> {
    const out = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: keys.job(jobId), ConsistentRead: true }),
    );
    return out.Item ? (out.Item.job as OpsJob) : undefined;
  }

  async save(job: OpsJob, expectedSeq: number): Promise<boolean> {
    try {
      await this.deps.client.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: { ...keys.job(job.jobId), entity: 'job', job },
          // Optimistic lock: only the holder of the last seq read may write the next state.
          ConditionExpression: '#job.#seq = :expected',
          ExpressionAttributeNames: { '#job': 'job', '#seq': 'seq' },
          ExpressionAttributeValues: { ':expected': expectedSeq },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
