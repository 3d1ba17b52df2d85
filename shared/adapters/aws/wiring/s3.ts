import { watched } from '../client-options.ts';
import { s3Client } from '../s3-client.ts';
import { S3FactLedger } from '../s3-fact-ledger.ts';
import { S3PackageStore } from '../s3-package-store.ts';
import type { PortKit } from './kit.ts';

/** Packages and the fact ledger, over one S3 client. */
export const s3Ports: PortKit = (config, hook) => {
  const s3 = watched('s3', s3Client(config.region, config.endpoints.s3), hook);
  return {
    packages: new S3PackageStore({ s3, bucket: config.packagesBucket }),
    // The ledger shares the packages bucket, under facts/ (docs/reports.md).
    facts: new S3FactLedger({ s3, bucket: config.packagesBucket }),
  };
};
