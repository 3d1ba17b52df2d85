import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS } from './client-options.ts';

/** A DynamoDB document client; undefined attributes are dropped rather than refused. */
export function dynamoClient(region: string, endpoint?: string): DynamoDBDocumentClient {
  const base = new DynamoDBClient({ region, ...(endpoint && { endpoint, credentials: LOCAL_CREDENTIALS }) });
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}
