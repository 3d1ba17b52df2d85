import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { FileSecretStore } from '../../file-secret-store.ts';
import { SecretsManagerStore } from '../secrets-manager-store.ts';
import type { PortKit } from './kit.ts';

/** The secret store: Secrets Manager on AWS, a file locally (`LOA_SECRETS=file:<path>`). */
export const secretsPorts: PortKit = (config) => {
  if (config.secrets.startsWith('file:'))
    return { secrets: new FileSecretStore(config.secrets.slice('file:'.length)) };
  return {
    secrets: new SecretsManagerStore({ client: new SecretsManagerClient({ region: config.region }) }),
  };
};
