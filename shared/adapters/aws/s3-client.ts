import { S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from './client-options.ts';

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
