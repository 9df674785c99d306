/**
 * The clouds the OpenStack tools already know on this machine: `clouds.yaml` (with
 * `secure.yaml` merged over it) found where openstacksdk looks, and the `OS_*` environment an
 * openrc file sets. Pure: the caller passes the folders and the environment. A cloud that
 * cannot be used comes back as a problem naming the file, the cloud and what is wrong; no
 * problem or log line ever holds a secret. No `vscode` import.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { KeystoneCredentials } from './identity';
import { parseYaml, YamlError, YamlValue } from './yamlLite';
import * as l10n from '../base/l10n';

export type CloudInterface = 'public' | 'internal' | 'admin';
export type CloudAuthType = 'password' | 'v3applicationcredential' | 'token';

/** One cloud ready to sign in with (its secrets included: they go only to SecretStorage). */
export interface CloudEntry {
  /** The cloud's name in clouds.yaml, or `envvars` for the environment (as openstacksdk calls it). */
  name: string;
  /** Where it was read: the clouds.yaml path, or 'environment'. */
  source: string;
  authType: CloudAuthType;
  credentials: KeystoneCredentials;
  /** True when the password (or secret, or token) is not given and must be asked. */
  needsSecret: boolean;
  region?: string;
  interface: CloudInterface;
  /** A CA bundle file to trust for this cloud (`cacert`, `OS_CACERT`), resolved. */
  cacert?: string;
}

export interface CloudProblem {
  /** The file (or 'environment'). */
  file: string;
  /** The cloud, when the problem is one cloud's. */
  cloud?: string;
  message: string;
}

export interface CloudsFound {
  clouds: CloudEntry[];
  problems: CloudProblem[];
  /** The clouds.yaml and secure.yaml read (absent when none was found). */
  files: { clouds?: string; secure?: string };
  /** `OS_CLOUD`: the cloud to preselect. */
  preselect?: string;
}

export interface CloudSearch {
  /** The workspace folder (openstacksdk's current directory), if any. */
  cwd?: string;
  home: string;
  /** The system folder, `/etc/openstack` by default. */
  etc?: string;
  env: NodeJS.ProcessEnv;
}

const NAMES = ['clouds.yaml', 'clouds.yml', 'clouds.json'];
const SECURE_NAMES = ['secure.yaml', 'secure.yml', 'secure.json'];

/** The places openstacksdk looks, in its order: ./, ~/.config/openstack, /etc/openstack. */
export function searchFolders(search: CloudSearch): string[] {
  return [
    ...(search.cwd ? [search.cwd] : []),
    path.join(search.home, '.config', 'openstack'),
    search.etc ?? '/etc/openstack',
  ];
}

/** The candidate files, `override` (OS_CLIENT_CONFIG_FILE, OS_CLIENT_SECURE_FILE) first. */
export function candidateFiles(search: CloudSearch, secure: boolean): string[] {
  const override = search.env[secure ? 'OS_CLIENT_SECURE_FILE' : 'OS_CLIENT_CONFIG_FILE']?.trim();
  const names = secure ? SECURE_NAMES : NAMES;
  return [
    ...(override ? [override] : []),
    ...searchFolders(search).flatMap((dir) => names.map((n) => path.join(dir, n))),
  ];
}

/** Reads the clouds of the first clouds.yaml found (secure.yaml merged) and the environment's. */
export async function findClouds(search: CloudSearch): Promise<CloudsFound> {
  const problems: CloudProblem[] = [];
  const clouds: CloudEntry[] = [];
  const files: CloudsFound['files'] = {};
  const main = await firstFile(candidateFiles(search, false), problems);
  if (main) {
    files.clouds = main.path;
    const secure = await firstFile(candidateFiles(search, true), problems);
    let secureClouds: Record<string, YamlValue> = {};
    if (secure && fromWorkspaceOnly(search, main.path, secure.path)) {
      // An opened folder's clouds.yaml chooses the auth_url: the user's own passwords are not
      // merged into it (they would be sent to wherever the folder says). Asked instead.
      problems.push({
        file: secure.path,
        message: l10n.t(
          "{0} is not merged into {1}: that clouds.yaml is the workspace folder's, and its passwords stay with your own clouds. The password is asked instead.",
          secure.path,
          main.path,
        ),
      });
    } else if (secure) {
      files.secure = secure.path;
      secureClouds = cloudsOf(secure, problems) ?? {};
    }
    const mainClouds = cloudsOf(main, problems);
    for (const [name, raw] of Object.entries(mainClouds ?? {})) {
      const merged = merge(raw, own(secureClouds, name) ?? null);
      const entry = cloudEntry(name, main.path, merged, path.dirname(main.path), problems);
      if (entry) clouds.push(entry);
    }
  }
  const fromEnv = environmentCloud(search.env, problems);
  if (fromEnv) clouds.push(fromEnv);
  const preselect = search.env.OS_CLOUD?.trim() || undefined;
  if (preselect && !clouds.some((c) => c.name === preselect)) {
    problems.push({
      file: files.clouds ?? 'environment',
      cloud: preselect,
      message: l10n.t('OS_CLOUD names the cloud "{0}", which is not in {1}.', preselect, files.clouds ?? 'clouds.yaml'),
    });
  }
  return { clouds, problems, files, preselect };
}

/** True when clouds.yaml is the workspace folder's and secure.yaml is not beside it. */
function fromWorkspaceOnly(search: CloudSearch, clouds: string, secure: string): boolean {
  if (!search.cwd) return false;
  const here = path.resolve(search.cwd);
  return path.dirname(path.resolve(clouds)) === here && path.dirname(path.resolve(secure)) !== here;
}

async function firstFile(
  candidates: string[],
  problems: CloudProblem[],
): Promise<{ path: string; value: YamlValue | undefined } | undefined> {
  for (const file of candidates) {
    let text: string;
    try {
      const read = await readSmallFile(file);
      if (typeof read !== 'string') {
        const message =
          read.problem === 'not-a-file'
            ? l10n.t('{0} is not a regular file.', file)
            : l10n.t('{0} is too large ({1} bytes; a clouds.yaml is a few kilobytes).', file, read.size);
        problems.push({ file, message });
        return { path: file, value: undefined };
      }
      text = read;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      problems.push({ file, message: l10n.t('{0} could not be read ({1}).', file, code ?? 'error') });
      return { path: file, value: undefined };
    }
    try {
      return { path: file, value: file.endsWith('.json') ? jsonValue(text) : parseYaml(text) };
    } catch (err) {
      const why = err instanceof YamlError ? err.message : l10n.t('it is not valid JSON');
      problems.push({ file, message: l10n.t('{0} could not be read: {1}.', file, why) });
      return { path: file, value: undefined };
    }
  }
  return undefined;
}

/** Larger than any clouds.yaml a person writes: such a file is refused, not read into memory. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The file's text, or why it is not read: a FIFO or device (a link to /dev/zero) would block
 * or never end. Opened without blocking and checked on the opened file, so it cannot change
 * between the check and the read.
 */
async function readSmallFile(
  file: string,
): Promise<string | { problem: 'not-a-file' } | { problem: 'too-large'; size: number }> {
  const handle = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    if (!st.isFile()) return { problem: 'not-a-file' };
    if (st.size > MAX_FILE_BYTES) return { problem: 'too-large', size: st.size };
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function jsonValue(text: string): YamlValue {
  const value: unknown = JSON.parse(text, (_k, v: unknown) =>
    typeof v === 'number' || typeof v === 'boolean' ? String(v) : v,
  );
  return value as YamlValue;
}

function cloudsOf(file: { path: string; value: YamlValue | undefined }, problems: CloudProblem[]) {
  if (file.value === undefined) return undefined;
  const top = asMap(file.value);
  const clouds = top ? asMap(top.clouds ?? null) : undefined;
  if (!clouds) {
    problems.push({ file: file.path, message: l10n.t('{0} has no "clouds:" mapping.', file.path) });
    return undefined;
  }
  return clouds;
}

/** secure.yaml over clouds.yaml, key by key (as openstacksdk merges them). */
function merge(base: YamlValue, over: YamlValue): YamlValue {
  const a = asMap(base);
  const b = asMap(over);
  if (!a || !b) return over ?? base;
  const out: Record<string, YamlValue> = {};
  for (const [k, v] of Object.entries(a)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(b)) setOwn(out, k, own(out, k) !== undefined ? merge(own(out, k) ?? null, v) : v);
  return out;
}

/** `map[key]` when the key is the map's own (never an inherited `constructor` or `toString`). */
function own(map: Record<string, YamlValue>, key: string): YamlValue | undefined {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
}

function setOwn(map: Record<string, YamlValue>, key: string, value: YamlValue | undefined): void {
  Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
}

function asMap(v: YamlValue): Record<string, YamlValue> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

/** A mapping's keys as openstacksdk reads them: `-` and `_` alike. */
function normalized(map: Record<string, YamlValue> | undefined): Record<string, YamlValue> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k.replace(/-/g, '_'), v]));
}

const INTERFACES: readonly CloudInterface[] = ['public', 'internal', 'admin'];

const AUTH_TYPES: Record<string, CloudAuthType> = {
  password: 'password',
  v3password: 'password',
  v3applicationcredential: 'v3applicationcredential',
  token: 'token',
  v3token: 'token',
};

/** What a cloud says, from clouds.yaml or the environment (strings only). */
interface CloudFields {
  authType?: string;
  authUrl?: string;
  username?: string;
  userId?: string;
  password?: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  domainName?: string;
  domainId?: string;
  appCredentialId?: string;
  appCredentialSecret?: string;
  token?: string;
  region?: string;
  interface?: string;
  cacert?: string;
  verify?: string;
}

function cloudEntry(
  name: string,
  file: string,
  raw: YamlValue,
  dir: string,
  problems: CloudProblem[],
): CloudEntry | undefined {
  const fail = (message: string) => void problems.push({ file, cloud: name, message });
  const cloud = asMap(raw);
  if (!cloud) return fail(l10n.t('Cloud "{0}" in {1} is not a mapping.', name, file));
  const c = normalized(cloud);
  const auth = normalized(asMap(c.auth ?? null));
  const s = (v: YamlValue | undefined) => (typeof v === 'string' && v !== '' ? v : undefined);
  const regions = Array.isArray(c.regions) ? c.regions.map((r) => s(asMap(r)?.name ?? r)).filter(Boolean) : [];
  const fields: CloudFields = {
    authType: s(c.auth_type),
    authUrl: s(auth.auth_url),
    username: s(auth.username),
    userId: s(auth.user_id),
    password: s(auth.password),
    projectName: s(auth.project_name) ?? s(auth.tenant_name),
    projectId: s(auth.project_id) ?? s(auth.tenant_id),
    userDomainName: s(auth.user_domain_name),
    userDomainId: s(auth.user_domain_id),
    projectDomainName: s(auth.project_domain_name),
    projectDomainId: s(auth.project_domain_id),
    domainName: s(auth.domain_name),
    domainId: s(auth.domain_id),
    appCredentialId: s(auth.application_credential_id),
    appCredentialSecret: s(auth.application_credential_secret),
    token: s(auth.token),
    region: s(c.region_name) ?? regions[0],
    interface: s(c.interface) ?? s(c.endpoint_type),
    cacert: s(c.cacert),
    verify: s(c.verify),
  };
  if (fields.cacert && !path.isAbsolute(fields.cacert)) fields.cacert = path.resolve(dir, fields.cacert);
  return entryFrom(name, file, fields, (message) => fail(l10n.t('Cloud "{0}" in {1}: {2}', name, file, message)));
}

/** The environment an openrc sets (OS_AUTH_URL and friends), as one cloud named `envvars`. */
export function environmentCloud(env: NodeJS.ProcessEnv, problems: CloudProblem[] = []): CloudEntry | undefined {
  const e = (k: string) => env[k]?.trim() || undefined;
  if (!e('OS_AUTH_URL')) return undefined;
  const fields: CloudFields = {
    authType: e('OS_AUTH_TYPE'),
    authUrl: e('OS_AUTH_URL'),
    username: e('OS_USERNAME'),
    userId: e('OS_USER_ID'),
    password: env.OS_PASSWORD || undefined,
    projectName: e('OS_PROJECT_NAME') ?? e('OS_TENANT_NAME'),
    projectId: e('OS_PROJECT_ID') ?? e('OS_TENANT_ID'),
    userDomainName: e('OS_USER_DOMAIN_NAME'),
    userDomainId: e('OS_USER_DOMAIN_ID'),
    projectDomainName: e('OS_PROJECT_DOMAIN_NAME'),
    projectDomainId: e('OS_PROJECT_DOMAIN_ID'),
    domainName: e('OS_DOMAIN_NAME'),
    domainId: e('OS_DOMAIN_ID'),
    appCredentialId: e('OS_APPLICATION_CREDENTIAL_ID'),
    appCredentialSecret: env.OS_APPLICATION_CREDENTIAL_SECRET || undefined,
    token: e('OS_TOKEN'),
    region: e('OS_REGION_NAME'),
    interface: e('OS_INTERFACE') ?? e('OS_ENDPOINT_TYPE'),
    cacert: e('OS_CACERT'),
  };
  return entryFrom('envvars', 'environment', fields, (message) =>
    problems.push({ file: 'environment', cloud: 'envvars', message: l10n.t('The OS_* environment: {0}', message) }),
  );
}

function entryFrom(
  name: string,
  source: string,
  f: CloudFields,
  fail: (message: string) => void,
): CloudEntry | undefined {
  const rawType = (f.authType ?? (f.appCredentialId ? 'v3applicationcredential' : 'password')).toLowerCase();
  const authType = AUTH_TYPES[rawType.replace(/_/g, '')] ?? AUTH_TYPES[rawType];
  if (!authType) {
    return void fail(
      l10n.t('the auth type "{0}" is not supported (use password, v3applicationcredential or token).', rawType),
    );
  }
  if (!f.authUrl) return void fail(l10n.t('auth_url is missing (vendor profiles are not read).'));
  if (!/^https?:\/\//i.test(f.authUrl)) return void fail(l10n.t('auth_url is not an http:// or https:// URL.'));
  const iface = INTERFACES.find((i) => i === (f.interface ?? 'public').toLowerCase().replace(/url$/, ''));
  if (!iface) {
    return void fail(l10n.t('the interface "{0}" is not public, internal or admin.', f.interface ?? ''));
  }
  if (f.verify !== undefined && /^(false|no|off|0)$/i.test(f.verify)) {
    return void fail(
      l10n.t('verify: false is not supported: certificates are always checked. Give the CA bundle as cacert instead.'),
    );
  }
  const scope = {
    project: f.projectName ?? '',
    projectId: f.projectId,
    projectDomain: f.projectDomainName ?? f.domainName ?? ((f.projectDomainId ?? f.domainId) ? '' : 'Default'),
    projectDomainId: f.projectDomainId ?? f.domainId,
  };
  const common = { provider: 'keystone' as const, authUrl: f.authUrl, interface: iface };
  let credentials: KeystoneCredentials;
  let needsSecret: boolean;
  if (authType === 'v3applicationcredential') {
    if (!f.appCredentialId) return void fail(l10n.t('application_credential_id is missing.'));
    credentials = {
      ...common,
      applicationCredentialId: f.appCredentialId,
      applicationCredentialSecret: f.appCredentialSecret ?? '',
    };
    needsSecret = !f.appCredentialSecret;
  } else if (authType === 'token') {
    if (!scope.project && !scope.projectId)
      return void fail(l10n.t('a project (project_name or project_id) is missing.'));
    credentials = { ...common, token: f.token ?? '', ...scope };
    needsSecret = !f.token;
  } else {
    if (!f.username && !f.userId) return void fail(l10n.t('a user (username or user_id) is missing.'));
    if (!scope.project && !scope.projectId)
      return void fail(l10n.t('a project (project_name or project_id) is missing.'));
    credentials = {
      ...common,
      username: f.username ?? '',
      userId: f.userId,
      password: f.password ?? '',
      userDomain: f.userDomainName ?? f.domainName ?? ((f.userDomainId ?? f.domainId) ? '' : 'Default'),
      userDomainId: f.userDomainId ?? f.domainId,
      ...scope,
    };
    needsSecret = !f.password;
  }
  return {
    name,
    source,
    authType,
    credentials,
    needsSecret,
    region: f.region,
    interface: iface,
    cacert: f.cacert,
  };
}
