/**
 * Credentials out of text: URLs and free text as they may appear in logs and errors, and the
 * credentials a request carries scrubbed out of what a server quotes back. No imports, so every
 * layer of the core (api, keys, flows) can use it.
 */

/** Query parameters whose values are treated as secrets: any name containing one of these words. */
const SECRET_QUERY = /token|auth|key|pass|secret|signature|^sig$|credential|session/i;

/**
 * The URL as it may appear in logs and errors: user info and secret-looking query values
 * replaced by `***`. Paths stay (Compute paths hold the tenant id, which is no secret).
 */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return '<invalid URL>';
  }
  if (u.username || u.password) {
    u.username = '***';
    u.password = '';
  }
  for (const key of [...u.searchParams.keys()]) {
    if (SECRET_QUERY.test(key)) u.searchParams.set(key, '***');
  }
  // A fragment may carry an OAuth-style `#access_token=…`.
  if (u.hash) u.hash = '***';
  return u.toString();
}

/** `scheme://…` up to white space or a closing quote/bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()[\]{}]+/gi;
/** `X-Auth-Token: v`, `token=v`, `"password": "v"`, `apiKey v`… (a labelled credential). */
const SECRET_LABEL =
  'x-auth-token|x-subject-token|authorization|access[_-]?token|token|password|passwd|api[_-]?key|secret|passcode';
const LABELLED_SECRET = new RegExp(`\\b((?:${SECRET_LABEL})\\b"?\\s*[:=]\\s*"?)(?:bearer\\s+)?([^\\s"',;&]{3,})`, 'gi');
/** A Keystone Fernet token (`gAAAAA…`), recognised without a label. */
const FERNET = /\bgAAAAA[A-Za-z0-9_-]{20,}/g;

/**
 * Free text (a server's message, an error code, a message of the core) with credentials
 * replaced by `***`: the user info and secret query values of every URL in it, values that
 * follow a credential's name (`X-Auth-Token: …`, `token=…`, `"password": "…"`), and Fernet
 * tokens. Other text is kept as it is.
 */
export function redactText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (url) => {
      const trailing = /[.,;:!?]+$/.exec(url)?.[0] ?? '';
      const bare = url.slice(0, url.length - trailing.length);
      const shown = redactUrl(bare);
      return (shown === '<invalid URL>' ? bare.replace(/\/\/[^/@]*@/, '//***@') : shown) + trailing;
    })
    .replace(LABELLED_SECRET, (_all, label: string) => `${label}***`)
    .replace(FERNET, '***');
}

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
