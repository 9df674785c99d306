/**
 * Credentials out of text: URLs and free text as they may appear in logs and errors. No
 * imports, so every layer of the core (api, keys, flows) can use it.
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
