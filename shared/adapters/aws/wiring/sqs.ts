import { SQSClient } from '@aws-sdk/client-sqs';
import { localOptions, watched } from '../client-options.ts';
import { SqsJobQueue } from '../sqs-job-queue.ts';
import { SqsWorkQueue } from '../sqs-work-queue.ts';
import type { PortKit } from './kit.ts';

/** The channels' work queues and the operator jobs' queue, over one SQS client. */
export const sqsPorts: PortKit = (config, hook) => {
  const client = watched(
    'sqs',
    new SQSClient({ region: config.region, ...localOptions(config, config.endpoints.sqs) }),
    hook,
  );
  return {
    jobs: new SqsJobQueue({ client, queueUrl: config.queueUrls.replay }),
    queue: new SqsWorkQueue({ client, queueUrls: config.queueUrls }),
  };
};
