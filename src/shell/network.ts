/**
 * What the HTTP client is given from the settings: VS Code's network settings and route, the
 * certificates the user named. Loaded with the clients (./clients), on the first request, not
 * at activation.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { HttpClientOptions } from '../core/api/http';
import { networkRoute } from '../core/api/route';
import { expandHome } from '../core/keys/keyFiles';
import { SECTION } from './settings';

/** The client's network options: also trusting `caFile`, the signed-in cloud's own CA bundle. */
export function networkOptions(
  caFile: string | undefined,
): Pick<
  HttpClientOptions,
  'proxy' | 'proxyAuthorization' | 'strictSSL' | 'fetch' | 'caCertificates' | 'cloudCertificates'
> {
  const ca = caCertificates();
  const cloud = cloudCertificates(caFile);
  return {
    ...networkSettings(ca !== undefined || cloud !== undefined),
    caCertificates: ca,
    cloudCertificates: cloud,
  };
}

/**
 * The PEM text of the files `keypairs.caCertificates` names (a user or machine setting, never
 * a workspace's: a folder must not choose whom to trust). Unreadable files are left out; a
 * 'tls' error then counts the certificates found.
 */
function caCertificates(): string[] | undefined {
  const files = vscode.workspace.getConfiguration(SECTION).get<string[]>('caCertificates') ?? [];
  if (files.length === 0) return undefined;
  return files.flatMap((file) => {
    const pem = readPemFile(file);
    return pem === undefined ? [] : [pem];
  });
}

/** The signed-in cloud's `cacert` (which the user picked), read; its path names it in a 'tls' error. */
function cloudCertificates(file: string | undefined): { path: string; pem: string } | undefined {
  if (!file) return undefined;
  return { path: file, pem: readPemFile(file) ?? '' };
}

function readPemFile(file: string): string | undefined {
  try {
    return fs.readFileSync(expandHome(file.trim()), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * VS Code's network settings, for the HTTP client. Through VS Code's fetch (the usual route,
 * see src/core/api/route.ts) VS Code applies them itself and only `caCertificates` is passed on;
 * on the extension's own route: `http.proxy` (its user info is sent to the proxy as Basic
 * credentials), `http.noProxy`, `http.proxyStrictSSL` (the proxy's certificate only) and
 * `http.proxyAuthorization` (a Proxy-Authorization header value; a credential, never logged).
 */
function networkSettings(
  namedCertificates = false,
): Pick<HttpClientOptions, 'proxy' | 'proxyAuthorization' | 'strictSSL' | 'fetch'> {
  const http = vscode.workspace.getConfiguration('http');
  const url = (http.get<string>('proxy') ?? '').trim();
  const authorization = (http.get<string | null>('proxyAuthorization') ?? '').trim();
  const route = networkRoute({
    proxyUrl: url,
    proxyAuthorization: authorization !== '',
    proxySupport: http.get<string>('proxySupport') ?? 'override',
    fetchAdditionalSupport: http.get<boolean>('fetchAdditionalSupport') ?? true,
    namedCertificates,
    vscodeVersion: vscode.version,
  });
  if (route === 'vscode') {
    // Looked up on each request: the extension host's fetch, as VS Code patched it.
    return { fetch: (input, init) => globalThis.fetch(input, init as unknown as RequestInit) };
  }
  return {
    proxy: url ? { url, noProxy: http.get<string[]>('noProxy') ?? [] } : undefined,
    ...(authorization && { proxyAuthorization: authorization }),
    strictSSL: http.get<boolean>('proxyStrictSSL') ?? true,
  };
}
