/** Partner credentials and signing keys: Secrets Manager on AWS, a 0600 file locally. Never logged. */
export interface SecretStore {
  get(ref: string): Promise<string | undefined>;
  put(ref: string, value: string): Promise<void>;
}
