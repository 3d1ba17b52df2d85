/** Partner credentials and signing keys: Secrets Manager on AWS, a 0600 file locally. Never logged. */
export interface SecretStore {
  /**
   * The secret, or undefined when there is none. A store may serve it from a short cache; `fresh`
   * reads the stored value itself, for a caller that must see another worker's latest write (a
   * refreshed social token, whose old refresh token is already used up).
   */
  get(ref: string, options?: { fresh?: boolean }): Promise<string | undefined>;
  put(ref: string, value: string): Promise<void>;
}
