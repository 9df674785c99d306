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
}

/** 'vscode': through VS Code's fetch. 'own': the extension's own proxy-aware dispatcher. */
export type NetworkRoute = 'vscode' | 'own';

export function networkRoute(settings: NetworkSettings): NetworkRoute {
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
