/**
 * What the API channel needs to know of the integrations the admin side keeps (their keys,
 * callback URLs and secrets); the composition root backs it with the pool.
 */
export interface ApiIntegration {
  id: string;
  name: string;
  callbackUrl: string | undefined;
  webhookSecret: string;
  /** Disabled by an admin: its key is refused and nothing is sent to it. */
  disabled: boolean;
  /** Its customers' emails and phones are proven (signed-in users): they link contacts. */
  verifiesIdentities: boolean;
}

export interface IntegrationDirectory {
  /** The enabled integration a presented API key belongs to, or null (constant-time compare). */
  findByKey(apiKey: string): Promise<ApiIntegration | null>;
  findById(id: string): Promise<ApiIntegration | null>;
}
