/**
 * Which certificate authorities the HTTP client trusts: Node's built-in roots, the OS store
 * (Node 20 has no `--use-system-ca`: the bundle file of the common Linux distributions is
 * read; macOS and Windows keep their store to themselves), the file named by
 * NODE_EXTRA_CA_CERTS, and PEM text passed in by the shell. No `vscode` import.
 */
import { promises as fs } from 'node:fs';
import * as tls from 'node:tls';

/** One source of trusted certificates and how many certificates it gave. */
export interface CertificateSource {
  source: 'bundled' | 'system' | 'env' | 'setting' | 'cloud';
  /** The file read (system, env, cloud), when there is one. */
  path?: string;
  count: number;
}

export interface TrustOptions {
  /** PEM text (one or more certificates each) from the shell's setting. */
  caCertificates?: string[];
  /** The signed-in cloud's own CA bundle (clouds.yaml `cacert`, OS_CACERT): its path and PEM text. */
  cloudCertificates?: { path: string; pem: string };
  /** Read the OS store. Default true. */
  systemCertificates?: boolean;
  /** Environment to read NODE_EXTRA_CA_CERTS from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** OS bundle files tried in order (tests). Default: the usual Linux and BSD locations. */
  systemFiles?: string[];
}

export interface Trust {
  /** The `ca` list for TLS, or undefined when Node's default store is all there is. */
  ca?: string[];
  sources: CertificateSource[];
}

/** Where Linux distributions and BSDs keep the system's CA bundle (the first one found is read). */
export const SYSTEM_CA_FILES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // Alpine, BSD, macOS (a copy of the bundled roots)
];

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM text, each as its own PEM block. */
export function pemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/** Certificate files read in this process: the OS bundle is large and every client wants it. */
const fileCache = new Map<string, Promise<string[]>>();

/** The certificates in a PEM file, read once per process (a failed read is tried again next time). */
function readPem(file: string): Promise<string[]> {
  let found = fileCache.get(file);
  if (!found) {
    found = fs.readFile(file, 'utf8').then(pemCertificates);
    found.catch(() => fileCache.delete(file));
    fileCache.set(file, found);
  }
  return found;
}

export async function trustedCertificates(options: TrustOptions = {}): Promise<Trust> {
  const sources: CertificateSource[] = [{ source: 'bundled', count: tls.rootCertificates.length }];
  const added: string[] = [];

  if (options.systemCertificates ?? true) {
    for (const file of options.systemFiles ?? (process.platform === 'win32' ? [] : SYSTEM_CA_FILES)) {
      const found = await readPem(file).catch(() => undefined);
      if (!found) continue;
      sources.push({ source: 'system', path: file, count: found.length });
      added.push(...found);
      break;
    }
  }
  const extra = (options.env ?? process.env).NODE_EXTRA_CA_CERTS;
  if (extra) {
    const found = await readPem(extra).catch(() => [] as string[]);
    sources.push({ source: 'env', path: extra, count: found.length });
    added.push(...found);
  }
  if (options.caCertificates !== undefined) {
    const found = options.caCertificates.flatMap(pemCertificates);
    sources.push({ source: 'setting', count: found.length });
    added.push(...found);
  }
  if (options.cloudCertificates !== undefined) {
    const found = pemCertificates(options.cloudCertificates.pem);
    sources.push({ source: 'cloud', path: options.cloudCertificates.path, count: found.length });
    added.push(...found);
  }
  // Giving `ca` replaces Node's default store, so the bundled roots go first.
  return { ca: added.length ? withRoots(added) : undefined, sources };
}

/** Node's roots and `added`, each certificate once (the list of the last call is reused when `added` is the same). */
let lastList: { added: string[]; ca: string[] } | undefined;
function withRoots(added: string[]): string[] {
  const same = lastList?.added.length === added.length && lastList.added.every((c, i) => c === added[i]);
  if (same && lastList) return lastList.ca;
  lastList = { added, ca: [...new Set([...tls.rootCertificates, ...added])] };
  return lastList.ca;
}
