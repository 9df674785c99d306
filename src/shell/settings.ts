/**
 * The extension's settings, read fresh on each use (they can change at any time). The two that
 * need the SSH config and key modules are in ./flowSettings (loaded with the flows, not at
 * activation).
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { HttpClientOptions } from '../core/api/http';
import { networkRoute } from '../core/api/route';
import { expandHome } from '../core/keys/keyFiles';
import type { KeyGeneration } from '../core/flows/createKeyPair';

export const SECTION = 'keypairs';

export function endpointSetting(): string {
  return (vscode.workspace.getConfiguration(SECTION).get<string>('endpoint') ?? '').trim();
}

/** The SSH folder on the workspace host, `~` expanded there. */
export function sshDirectory(): string {
  const raw = (vscode.workspace.getConfiguration(SECTION).get<string>('sshDirectory') ?? '').trim();
  return expandHome(raw || '~/.ssh');
}

export function statusBarEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('statusBar') ?? true;
}

/** `keypairs.keyGeneration`: 'local' (the default) unless the user chose 'server'. */
export function keyGeneration(): KeyGeneration {
  return vscode.workspace.getConfiguration(SECTION).get<string>('keyGeneration') === 'server' ? 'server' : 'local';
}

/** `keypairs.passphrase`: true when Create asks for a passphrase for the new private key. */
export function askPassphrase(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<string>('passphrase') === 'ask';
}

/** Opens the Settings editor at one of this extension's settings. */
export function openSetting(key: string): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.${key}`);
}

/**
 * The PEM text of the files `keypairs.caCertificates` names (a user or machine setting, never
 * a workspace's: a folder must not choose whom to trust). Unreadable files are left out; a
 * 'tls' error then counts the certificates found.
 */
export function caCertificates(): string[] | undefined {
  const files = vscode.workspace.getConfiguration(SECTION).get<string[]>('caCertificates') ?? [];
  if (files.length === 0) return undefined;
  return files.flatMap((file) => {
    const pem = readPemFile(file);
    return pem === undefined ? [] : [pem];
  });
}

/** The signed-in cloud's `cacert` (which the user picked), read; its path names it in a 'tls' error. */
export function cloudCertificates(file: string | undefined): { path: string; pem: string } | undefined {
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
export function networkSettings(
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

/** Opens the Settings editor at VS Code's `http.proxy` (where proxy credentials go). */
export function openProxySetting(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openSettings', 'http.proxy');
}

/**
 * True in a window whose UI runs on another machine than the extension (Remote - SSH, WSL,
 * containers, tunnels: an authority `<name>+…`, so `remoteName` is a plain word). A browser
 * on a VS Code server (code-server) has `remoteName` = the server's `host:port`, and the
 * settings there are the workspace host's own.
 */
export function uiOnAnotherMachine(remoteName: string | undefined): boolean {
  return remoteName !== undefined && /^[a-z][a-z0-9-]*$/i.test(remoteName) && remoteName !== 'localhost';
}
