/**
 * The credentials a request carries (secret headers, secret fields of its JSON body), and
 * scrubbing them out of what a server quotes back. Beside ./redact.ts (patterns in free text),
 * apart from it because this is needed only once a request fails, not at activation.
 */

/** What of a request may carry credentials: its headers and its JSON body. */
export interface SecretCarrier {
  headers?: Record<string, string>;
  json?: unknown;
}

/** Request headers whose values are credentials. */
const SECRET_HEADERS = new Set(['x-auth-token', 'x-subject-token', 'authorization', 'cookie', 'x-sessionid']);
/** JSON fields of a request body whose values are credentials (sign-in bodies). */
const SECRET_FIELDS = /password|apikey|api_key|secret|passcode|token/i;

/** The credentials a request carries: secret header values and secret fields of its JSON body. */
export function requestSecrets(req: SecretCarrier): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    if (SECRET_HEADERS.has(name.toLowerCase()) && value) secrets.push(value);
  }
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key !== undefined && SECRET_FIELDS.test(key) && v) secrets.push(v);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, Array.isArray(v) ? key : k);
    }
  };
  walk(req.json);
  return secrets;
}

/** `text` with each of `secrets` (e.g. a request's {@link requestSecrets}) replaced by `***`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  // Longest first, so a secret containing another is replaced whole.
  return [...secrets].sort((a, b) => b.length - a.length).reduce((t, secret) => t.split(secret).join('***'), text);
}
