import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '#config/config.ts';

interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  s3: S3Client;
  events: EventBridgeClient;
  sqs: SQSClient;
}

/** Static credentials for the local emulators; on AWS the default provider chain is used. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** An S3 client; pointed at an emulator it uses path-style URLs and no streaming checksums (s3rver). */
export function s3Client(region: string, endpoint?: string): S3Client {
  return new S3Client({
    region,
    ...(endpoint && {
      endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      // s3rver stores aws-chunked framing inside the object otherwise (../shared/STACK.md).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  });
}

/** A DynamoDB document client; undefined attributes are dropped rather than refused. */
export function dynamoClient(region: string, endpoint?: string): DynamoDBDocumentClient {
  const base = new DynamoDBClient({ region, ...(endpoint && { endpoint, credentials: LOCAL_CREDENTIALS }) });
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

/** Something that can watch every request a client makes (the benchmarks count them). */
export type ClientHook = (
  service: keyof AwsClients,
  client: { middlewareStack: S3Client['middlewareStack'] },
) => void;

/** Builds every client once per cold start, with endpoints from config where local. */
export function awsClients(config: Config, hook?: ClientHook): AwsClients {
  const { region, endpoints } = config;
  // Locally the bus knows Loa's functions by the key id they sign with (see Config.localAccessKeyId).
  const credentials = config.localAccessKeyId
    ? { accessKeyId: config.localAccessKeyId, secretAccessKey: config.localAccessKeyId }
    : LOCAL_CREDENTIALS;
  const local = (endpoint?: string) => (endpoint ? { endpoint, credentials } : {});
  const clients: AwsClients = {
    dynamo: dynamoClient(region, endpoints.dynamodb),
    s3: s3Client(region, endpoints.s3),
    events: new EventBridgeClient({ region, ...local(endpoints.events) }),
    sqs: new SQSClient({ region, ...local(endpoints.sqs) }),
  };
  if (hook) {
    for (const [service, client] of Object.entries(clients)) {
      hook(
        service as keyof AwsClients,
        client as unknown as { middlewareStack: S3Client['middlewareStack'] },
      );
    }
  }
  return clients;
}
