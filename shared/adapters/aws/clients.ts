/**
 * The SDK clients' constructors, for the local runtime, the emulators and tests. A Lambda function
 * builds only the clients it uses, through the port kits in ./wiring/ (docs/benchmarks.md, cold start).
 */
export { type ClientHook, LOCAL_CREDENTIALS, type ServiceName } from './client-options.ts';
export { dynamoClient } from './dynamo-client.ts';
export { s3Client } from './s3-client.ts';
