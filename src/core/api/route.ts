/**
 * Which way the extension's requests leave (see http.ts), from VS Code's `http.*` settings.
 * No `vscode` import.
 *
 * VS Code patches the extension host's global fetch: with `http.proxySupport` at `override`
 * (its default) or `fallback` it resolves the proxy itself (`http.proxy`, `http.noProxy`,
 * PAC and the system's proxy, the environment; never for localhost), answers a 407 with
 * Kerberos or its credentials prompt, and adds the OS certificates (`http.systemCertificates`).
 * That is the default way. What it does not do, the extension does on its own dispatcher:
 * send the credentials of the settings (`http.proxyAuthorization`, or the user info of
 * `http.proxy`), which the extension host leaves unused, and proxy at all when
 * `http.fetchAdditionalSupport` is off.
 */
export interface NetworkSettings {
  /** `http.proxy`, trimmed; '' when unset. */
  proxyUrl: string;
  /** `http.proxyAuthorization` is set. */
  proxyAuthorization: boolean;
  /** `http.proxySupport`: 'off' | 'on' | 'fallback' | 'override'. */
  proxySupport: string;
  /** `http.fetchAdditionalSupport` (VS Code 1.94+; default true). */
  fetchAdditionalSupport: boolean;
  /** The user named certificates to trust (`keypairs.caCertificates`, a cloud's `cacert`). */
  namedCertificates?: boolean;
  /** VS Code's version (`vscode.version`): see {@link fetchReadsOurCa}. */
  vscodeVersion?: string;
}

/**
 * The oldest VS Code whose fetch is known to keep the `ca` of the extension's own undici Agent
 * (checked by the host suite on that release). Older ones (1.96 checked by the floor suite)
 * read it only from Agents of VS Code's own undici, and would drop the certificates the user
 * named: the extension then sends on its own dispatcher.
 */
export const FETCH_READS_OUR_CA_SINCE = [1, 139] as const;

export function fetchReadsOurCa(vscodeVersion: string): boolean {
  const [major, minor] = vscodeVersion.split('.').map(Number);
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return false;
  const [m, n] = FETCH_READS_OUR_CA_SINCE;
  return major! > m || (major === m && minor! >= n);
}

/** 'vscode': through VS Code's fetch. 'own': the extension's own proxy-aware dispatcher. */
export type NetworkRoute = 'vscode' | 'own';

export function networkRoute(settings: NetworkSettings): NetworkRoute {
  // Certificates the user named must be used: on a VS Code whose fetch would drop them, our own.
  if (settings.namedCertificates && !fetchReadsOurCa(settings.vscodeVersion ?? '')) return 'own';
  // Off: VS Code sends extensions' requests direct, and so does its fetch.
  if (settings.proxySupport === 'off') return 'vscode';
  if (!settings.fetchAdditionalSupport) return 'own';
  return settings.proxyUrl !== '' && (settings.proxyAuthorization || hasUserInfo(settings.proxyUrl)) ? 'own' : 'vscode';
}

function hasUserInfo(proxyUrl: string): boolean {
  try {
    const u = new URL(proxyUrl);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}
