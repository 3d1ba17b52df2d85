import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AwsRequestError, type LocalBus } from '#infra/local/bus.ts';
import type { LocalQueues } from '#infra/local/queues.ts';

/** An HTTP answer for the caller's server to write. */
interface AwsApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Handles one AWS API request; `undefined` when the request is not an AWS API call. */
export type AwsApiHandler = (req: IncomingMessage, body: Buffer) => Promise<AwsApiResponse | undefined>;

type Operation = (input: Record<string, unknown>, req: IncomingMessage) => unknown;

const EVENTS_JSON = 'application/x-amz-json-1.1';
const SQS_JSON = 'application/x-amz-json-1.0';
const MAX_BATCH = 10;

/** The SQS error codes of the older query protocol, which the SDK reads from `x-amzn-query-error`. */
const QUERY_CODES: Record<string, string> = { QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue' };

/**
 * Serves the AWS JSON protocol calls the handlers make (EventBridge `PutEvents`, SQS `SendMessage` and
 * `SendMessageBatch`), recognised by their `x-amz-target` header on any path, since the SQS client may
 * post to the queue URL. Signatures (SigV4) are not verified: this listens on a local machine only.
 */
export function createAwsApiHandler({ bus, queues }: { bus: LocalBus; queues: LocalQueues }): AwsApiHandler {
  const operations: Record<string, { contentType: string; run: Operation }> = {
    'AWSEvents.PutEvents': {
      contentType: EVENTS_JSON,
      run: (input, req) => putEvents(bus, input, accessKeyIdOf(req)),
    },
    'AmazonSQS.SendMessage': {
      contentType: SQS_JSON,
      run: (input) =>
        queues.send(String(input.QueueUrl ?? ''), input.MessageBody as string, num(input.DelaySeconds)),
    },
    'AmazonSQS.SendMessageBatch': { contentType: SQS_JSON, run: (input) => sendMessageBatch(queues, input) },
  };

  return async (req, body) => {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string') return undefined;
    const operation = operations[target];
    const contentType = operation?.contentType ?? (target.startsWith('AmazonSQS.') ? SQS_JSON : EVENTS_JSON);
    const answer = (
      status: number,
      payload: unknown,
      extra: Record<string, string> = {},
    ): AwsApiResponse => ({
      status,
      headers: { 'content-type': contentType, 'x-amzn-requestid': randomUUID(), ...extra },
      body: JSON.stringify(payload),
    });
    const fail = (type: string, message: string) => {
      const query: Record<string, string> =
        contentType === SQS_JSON ? { 'x-amzn-query-error': `${QUERY_CODES[type] ?? type};Sender` } : {};
      return answer(400, { __type: type, message }, { 'x-amzn-errortype': type, ...query });
    };

    if (!operation) return fail('UnknownOperationException', `Unknown operation ${target}`);
    let input: unknown;
    try {
      input = JSON.parse(body.length > 0 ? body.toString('utf8') : '{}');
    } catch {
      return fail('SerializationException', 'The request body is not valid JSON.');
    }
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      return fail('SerializationException', 'The request body must be a JSON object.');
    }
    try {
      return answer(200, operation.run(input as Record<string, unknown>, req));
    } catch (error) {
      if (error instanceof AwsRequestError) return fail(error.name, error.message);
      throw error;
    }
  };
}

/**
 * The access key id a SigV4-signed request names (`Credential=<key id>/<date>/…`), or undefined. The
 * signature itself is not verified: the key id says which local caller this is (Loa's own functions
 * carry a key made at start, the CMS its own), which the bus checks as IAM would on AWS.
 */
function accessKeyIdOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  return typeof auth === 'string' ? /\bCredential=([^/,\s]+)\//.exec(auth)?.[1] : undefined;
}

function putEvents(bus: LocalBus, input: Record<string, unknown>, accessKeyId: string | undefined): unknown {
  if (!Array.isArray(input.Entries)) throw new AwsRequestError('ValidationException', 'Entries is required.');
  if (input.EndpointId !== undefined && typeof input.EndpointId !== 'string') {
    throw new AwsRequestError('ValidationException', 'EndpointId must be a string.');
  }
  const entries = bus.putEvents(input.Entries as unknown[], accessKeyId);
  return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
}

function sendMessageBatch(queues: LocalQueues, input: Record<string, unknown>): unknown {
  const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
  if (entries.length === 0) throw new AwsRequestError('EmptyBatchRequest', 'The batch request is empty.');
  if (entries.length > MAX_BATCH) {
    throw new AwsRequestError('TooManyEntriesInBatchRequest', `A batch holds at most ${MAX_BATCH} entries.`);
  }
  const ids = entries.map((e) => e.Id);
  if (!ids.every((id) => typeof id === 'string' && /^[\w-]{1,80}$/.test(id))) {
    throw new AwsRequestError('InvalidBatchEntryId', 'A batch entry id is missing or malformed.');
  }
  if (new Set(ids).size !== ids.length) {
    throw new AwsRequestError('BatchEntryIdsNotDistinct', 'Two batch entries share an id.');
  }
  const queueUrl = String(input.QueueUrl ?? '');
  const Successful: unknown[] = [];
  const Failed: unknown[] = [];
  for (const entry of entries) {
    try {
      Successful.push({
        Id: entry.Id,
        ...queues.send(queueUrl, entry.MessageBody as string, num(entry.DelaySeconds)),
      });
    } catch (error) {
      // An unknown queue refuses the whole request, as in SQS; a bad message fails only its entry.
      if (!(error instanceof AwsRequestError) || error.name === 'QueueDoesNotExist') throw error;
      Failed.push({ Id: entry.Id, SenderFault: true, Code: error.name, Message: error.message });
    }
  }
  return { Successful, Failed };
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
