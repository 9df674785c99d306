/**
 * Who words a message (the rule): the core says what happened — a typed error with a kind
 * or code and its data (ApiError, PagingError, CreateAbandonedError, …) — and this module
 * turns that into the sentence the user reads. The one exception is UserSafeError
 * (src/core/base/userSafe.ts): errors about the user's own input and files (a public key that
 * does not parse, a key file that exists, a refused credential, an agent that said no)
 * carry a finished, redacted sentence, shown as it is. Nothing else is ever shown raw.
 *
 * The wording of every error a command may meet: typed errors of the core become the
 * sentence the user reads and the actions offered with it. No `vscode` import, so the
 * fault and secret-hygiene suites check these exact messages in plain Node; src/shell/messages.ts
 * shows them. Messages never contain a token, a key or a stack trace.
 */
import * as l10n from '../base/l10n';
import { ApiError } from '../api/errors';
import { PagingError } from '../api/paging';
import { AuthError } from '../api/identity';
import { CreateAbandonedError, LeftAlonePair, ServerKeyError } from '../flows/createKeyPair';
import { displayPath, KeyFileError } from '../keys/keyFiles';
import type { SshCheck, SshOptionDifference } from '../ssh/config/check';
import { UserSafeError } from '../base/userSafe';

export const SET_TOKEN = l10n.label('Set API Token');
export const SIGN_IN = l10n.label('Sign In');
export const SELECT_REGION = l10n.label('Select Region');
export const OPEN_SETTING = l10n.label('Open Setting');
export const PROXY_SETTING = l10n.label('Open Proxy Setting');
export const SHOW_LOG = l10n.label('Show Log');
export const SSH_FOLDER_SETTING = l10n.label('Change SSH Folder');
export const COPY_PRIVATE = l10n.label('Copy Private Key');

export interface Described {
  message: string;
  actions: string[];
}

/**
 * What the shell knows about the target when an error is shown. Signed in (Rackspace Identity
 * or Keystone), the Compute endpoint comes from the account's service catalog (`catalog`):
 * the fix is to sign in again or pick another region, never the `keypairs.endpoint` setting,
 * which is only used with an API token (`setting`). Without a context, `setting` is assumed.
 */
export interface ErrorContext {
  endpointSource: 'setting' | 'catalog';
  /** The signed-in account as shown elsewhere, e.g. "demo (Rackspace, tenant 123456)". */
  account?: string;
  /** The account's region in use, e.g. "DFW". */
  region?: string;
}

/** Where the failed request's address came from, in the words of the messages. */
interface Origin {
  /** "Check the … setting" / "Check the identity URL …" / "It is the Compute endpoint of …". */
  check: string;
  /** A question or advice after a strange answer. */
  isItRight: string;
  /** What the user can do to fix the address. */
  fix: string[];
  /** The address, as the subject of a sentence. */
  address: string;
}

function originOf(url: string, context: ErrorContext | undefined): Origin {
  if (isIdentityRequest(url)) {
    return {
      check: l10n.t('Check the identity URL you signed in with'),
      isItRight: l10n.t('Is the identity URL you signed in with right?'),
      fix: [SIGN_IN],
      address: l10n.t('The identity URL'),
    };
  }
  if (context?.endpointSource === 'catalog') {
    const account = context.account ?? l10n.t('the signed-in account');
    const from = context.region
      ? l10n.t('This is the Compute endpoint of {0} in region {1}, from its service catalog', account, context.region)
      : l10n.t('This is the Compute endpoint of {0}, from its service catalog', account);
    return {
      check: l10n.t('{0}: select another region, or sign in again', from),
      isItRight: l10n.t('{0}. Select another region, or sign in again.', from),
      fix: [SELECT_REGION, SIGN_IN],
      address: l10n.t('The Compute endpoint in the service catalog of {0}', account),
    };
  }
  return {
    check: l10n.t('Check the "keypairs.endpoint" setting'),
    isItRight: l10n.t('Is "keypairs.endpoint" right?'),
    fix: [OPEN_SETTING],
    address: l10n.t('"keypairs.endpoint"'),
  };
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return l10n.t('the server');
  }
}

/** True for the sign-in request (Rackspace `…/v2.0/tokens`, Keystone `…/v3/auth/tokens`). */
function isIdentityRequest(url: string): boolean {
  try {
    return /\/(v2\.0\/tokens|v3\/auth\/tokens)$/.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/**
 * The user-facing sentence for an API failure, and what can be done about it. `context` says
 * where the Compute endpoint came from (see ErrorContext); a sign-in request is recognised by
 * its URL.
 */
export function describeApiError(err: ApiError, context?: ErrorContext): Described {
  const at = host(err.url);
  // A sign-in failure is about the identity URL; a signed-in account's Compute endpoint comes
  // from its catalog; only with an API token is it the "keypairs.endpoint" setting.
  const identity = isIdentityRequest(err.url);
  const catalog = !identity && context?.endpointSource === 'catalog';
  const { check, isItRight, fix: fixWhere, address } = originOf(err.url, context);
  const server = err.serverMessage ? `: ${err.serverMessage}` : '.';
  const later =
    err.retryAfterSeconds !== undefined
      ? l10n.t(' Try again in {0}.', formatSeconds(err.retryAfterSeconds))
      : l10n.t(' Try again later.');
  switch (err.kind) {
    case 'bad-request':
      return { message: l10n.t('The server rejected the request{0}', server), actions: [] };
    case 'unauthorized':
      if (catalog) {
        // The client signed in again after the first 401 and was refused again.
        return {
          message: l10n.t(
            '{0} refused the token from signing in to {1} (401), also right after signing in again. Sign in again; if this keeps happening, the account may have no access to Compute in this region.',
            at,
            context?.account ?? l10n.t('your account'),
          ),
          actions: [SIGN_IN, SELECT_REGION],
        };
      }
      return {
        message: l10n.t(
          '{0} rejected the credentials (401): the token may have expired. Sign in again, or set a new API token.',
          at,
        ),
        actions: [SIGN_IN, SET_TOKEN],
      };
    case 'forbidden':
      return { message: l10n.t('Not allowed by {0} (403){1}', at, server), actions: [] };
    case 'quota':
      return {
        message: l10n.t(
          'Your key pair quota is used up{0} Delete key pairs you no longer need, or ask for a higher quota.',
          server,
        ),
        actions: [],
      };
    case 'endpoint-not-found':
    case 'method-not-allowed':
      return {
        message: l10n.t(
          '{0} has no {1} at this address ({2}). {3}.',
          at,
          identity ? l10n.t('identity service') : l10n.t('Compute key pairs API'),
          err.status,
          check,
        ),
        actions: fixWhere,
      };
    case 'not-found':
      return { message: l10n.t('Not found on {0}{1}', at, server), actions: [] };
    case 'conflict':
      return describeConflict(err, at);
    case 'rate-limited':
      return { message: l10n.t('{0} is limiting requests ({1}).{2}', at, err.status, later), actions: [] };
    case 'unsupported-media-type':
      return {
        message: l10n.t(
          '{0} refused the request format (415). {1}',
          at,
          identity || catalog ? isItRight : l10n.t('Is "keypairs.endpoint" a Compute API?'),
        ),
        actions: fixWhere,
      };
    case 'not-acceptable':
      return {
        message: l10n.t('{0} does not support the API version requested (406){1}', at, server),
        actions: [SHOW_LOG],
      };
    case 'server-error':
      return {
        message: l10n.t('{0} failed to handle the request ({1}){2}{3}', at, err.status, server, later),
        actions: [SHOW_LOG],
      };
    case 'unavailable':
      return {
        message: l10n.t(
          'The {0} service at {1} is unavailable (503).{2}',
          identity ? 'identity' : 'Compute',
          at,
          later,
        ),
        actions: [],
      };
    case 'unexpected-status':
      return {
        message: l10n.t('{0} answered with an unexpected status {1}{2}', at, err.status, server),
        actions: [SHOW_LOG],
      };
    case 'timeout':
      return {
        message: l10n.t('{0} did not answer in time. Check your network or try again.', at),
        actions: [SHOW_LOG],
      };
    case 'connection-refused':
      return {
        message: l10n.t('Could not connect to {0}: the connection was refused. {1}.', at, check),
        actions: fixWhere,
      };
    case 'dns':
      return {
        message: catalog
          ? l10n.t('The host {0} could not be found. Check your network. {1}.', at, check)
          : l10n.t('The host {0} could not be found. {1} and your network.', at, check),
        actions: fixWhere,
      };
    case 'tls':
      return {
        message:
          l10n.t('A secure connection to {0} could not be made ({1}). ', at, err.code) +
          l10n.t('Its certificate is not trusted or does not match; nothing was sent.') +
          trustedText(err),
        actions: [SHOW_LOG],
      };
    case 'connection-lost':
      return {
        message: l10n.t('The connection to {0} broke before the answer was complete.', at),
        actions: [SHOW_LOG],
      };
    case 'bad-response':
      return {
        message:
          l10n.t(
            '{0} sent an answer that is not what the {1} sends ',
            at,
            identity ? l10n.t('identity service') : l10n.t('Compute API'),
          ) + `(${err instanceof PagingError ? pagingText(err) : (err.code ?? l10n.t('unreadable'))}). ${isItRight}`,
        actions: [...fixWhere, SHOW_LOG],
      };
    case 'response-too-large':
      return {
        message: l10n.t('{0} sent an answer larger than 1 MB; it was not read. {1}', at, isItRight),
        actions: fixWhere,
      };
    case 'cancelled':
      return { message: l10n.t('Cancelled.'), actions: [] };
    case 'invalid-endpoint':
      return { message: l10n.t('{0} is not an http:// or https:// URL.', address), actions: fixWhere };
    case 'insecure-transport':
      return {
        message:
          l10n.t('Nothing was sent to {0}: it is reached over plain http://, which would send your ', at) +
          l10n.t(
            '{0} unencrypted for anyone on the network to read. ',
            identity ? l10n.t('password, API key or secret') : l10n.t('token'),
          ) +
          (catalog
            ? l10n.t('The service catalog of {0} lists this address; ', context?.account ?? l10n.t('your account')) +
              l10n.t('select another region, or ask the cloud operator for an https:// endpoint.')
            : l10n.t(
                'Use an https:// address{0}.',
                identity ? l10n.t(' when you sign in') : l10n.t(' in "keypairs.endpoint"'),
              )),
        actions: fixWhere,
      };
    case 'proxy-auth':
      return {
        message: err.proxyCredentialsSent
          ? l10n.t(
              'The proxy at {0} refused the credentials it was given (407); nothing was sent to {1}. ',
              proxyName(err),
              at,
            ) + l10n.t('Check the user and password in the "http.proxy" setting or "http.proxyAuthorization".')
          : l10n.t('The proxy at {0} asks for credentials (407); nothing was sent to {1}. ', proxyName(err), at) +
            l10n.t(
              'Set them in the "http.proxy" setting (http://user:password@host:port) or in "http.proxyAuthorization".',
            ),
        actions: [PROXY_SETTING],
      };
    case 'proxy-refused':
      return {
        message:
          l10n.t('The proxy at {0} did not connect to {1} (it answered {2}). ', proxyName(err), at, err.status) +
          l10n.t('Check the "http.proxy" and "http.noProxy" settings, or ask your network administrator.'),
        actions: [PROXY_SETTING, SHOW_LOG],
      };
  }
}

/** The proxy's `host:port` as the error names it (it never holds user info), or a neutral word. */
function proxyName(err: ApiError): string {
  return err.proxy ?? l10n.t('(unknown address)');
}

/** True for a create or import of a key pair: `POST …/os-keypairs`. */
function isKeyPairCreate(err: ApiError): boolean {
  try {
    return err.method === 'POST' && /\/os-keypairs$/.test(new URL(err.url).pathname);
  } catch {
    return false;
  }
}

/** A 409: for a key pair create, the name is taken; else the server's state does not allow it now. */
function describeConflict(err: ApiError, at: string): Described {
  if (isKeyPairCreate(err)) {
    return {
      message: l10n.t('A key pair with this name already exists on {0} (409). Choose another name.', at),
      actions: [],
    };
  }
  const said = err.serverMessage ? l10n.t(' It said: {0}', err.serverMessage) : '';
  return {
    message:
      l10n.t('{0} refused the request because of the current state of what it acts on (409).{1} ', at, said) +
      l10n.t('Wait for that to change, or change it, and try again.'),
    actions: [],
  };
}

/** " Trusted: 144 certificates built into Node.js, 140 from the system store (/etc/…)." or "". */
function trustedText(err: ApiError): string {
  if (!err.certificateSources?.length) return '';
  const parts = err.certificateSources.map((s) => {
    switch (s.source) {
      case 'bundled':
        return l10n.t('{0} certificates built into Node.js', s.count);
      case 'system':
        return l10n.t('{0} from the system store ({1})', s.count, s.path);
      case 'env':
        return l10n.t('{0} from NODE_EXTRA_CA_CERTS ({1})', s.count, s.path);
      case 'setting':
        return l10n.t('{0} from the certificate files in settings', s.count);
    }
  });
  return ` Trusted: ${parts.join(', ')}.`;
}

/** Why a paged list was given up, in the words of a `bad-response` message. */
function pagingText(err: PagingError): string {
  switch (err.problem) {
    case 'page-repeated':
      return l10n.t('the same page came again: the server ignores "marker"');
    case 'marker-stuck':
      return l10n.t('the next page starts where the last one did: the server ignores "marker"');
    case 'too-many-pages':
      return l10n.t('the list did not end after {0} pages', err.pages);
    case 'too-many-items':
      return l10n.t('the list holds more than {0} items', err.items);
  }
}

function formatSeconds(s: number): string {
  return s < 90 ? `${s} s` : l10n.t('{0} min', Math.ceil(s / 60));
}

/** A fingerprint as servers show them (MD5 hex pairs, or SHA256:base64); anything else is not shown. */
function shownFingerprint(fingerprint: string): string {
  return /^(?:[0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(fingerprint) || /^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)
    ? fingerprint
    : l10n.t('(not a fingerprint)');
}

/**
 * What the user can check about a pair a failed create left alone: its name, where it is and
 * its fingerprint. Only server text that matches ours (the name up to case) or a fingerprint's
 * form is repeated, so nothing a server makes up reaches the message.
 */
function leftAloneText(pair: LeftAlonePair, ourName: string): string {
  const name = pair.name.toLowerCase() === ourName.toLowerCase() ? `"${pair.name}"` : l10n.t('under another name');
  const it = l10n.t(
    'A key pair {0} (fingerprint {1}) is on {2}',
    name,
    shownFingerprint(pair.fingerprint),
    host(pair.endpoint),
  );
  switch (pair.why) {
    case 'existed-before':
      return l10n.t('{0}: it was there before this create, so it is not the one made here. It was left alone.', it);
    case 'name-differs-in-case':
      return l10n.t(
        '{0}: its name differs only in case, and this server does not tell such names apart, so it is not the one made here. It was left alone.',
        it,
      );
    case 'other-public-key':
      return l10n.t('{0} with another public key: another client made it. It was left alone; choose another name.', it);
    case 'unproven':
      return (
        l10n.t('{0}, but it cannot be told whether it is the one made here, so it was left alone. ', it) +
        l10n.t('If nobody else made it, delete it: its private key never arrived.')
      );
  }
}

/**
 * The parser's reason, unless it repeats server text that could read as a link or markup
 * (e.g. a key type name taken from the key data): then a plain sentence instead.
 */
function plainDetail(detail: string): string {
  return /[[\]<>`]/.test(detail) ? l10n.t('it is not a valid OpenSSH public key.') : detail;
}

function serverKeyText(err: ServerKeyError, name: string): string {
  switch (err.problem) {
    case 'public-key':
      return (
        l10n.t(
          "The server's answer for key pair {0} holds a public key that is not one OpenSSH public key line: ",
          name,
        ) + plainDetail(err.detail)
      );
    case 'private-key':
      return l10n.t(
        "The server's answer for key pair {0} holds a private key that cannot be used: {1}",
        name,
        err.detail,
      );
    case 'mismatch':
      return l10n.t('The server sent a private key that does not belong to the public key of key pair {0}.', name);
  }
}

function describeAbandoned(err: CreateAbandonedError, context: ErrorContext | undefined): Described {
  const name = `"${err.keyPairName}"`;
  const why =
    err.reason instanceof ApiError
      ? describeApiError(err.reason, context).message
      : err.reason instanceof KeyFileError
        ? l10n.t('The private key could not be saved: {0}', err.reason.message)
        : err.reason instanceof ServerKeyError
          ? serverKeyText(err.reason, name)
          : err.reason.message;
  const other = err.leftAlone ? ` ${leftAloneText(err.leftAlone, err.keyPairName)}` : '';
  const badKeys = err.reason instanceof ServerKeyError;
  switch (err.server) {
    case 'not-created':
      return { message: l10n.t('Key pair {0} was not created. {1}{2}', name, why, other), actions: [] };
    case 'deleted':
      if (badKeys) {
        const message = l10n.t('{0} Nothing was saved, and the key pair was deleted from the server again.', why);
        return { message, actions: [] };
      }
      return {
        message: l10n.t(
          'Key pair {0} was deleted from the server again, because its private key could not be kept. {1}',
          name,
          why,
        ),
        actions: err.reason instanceof KeyFileError ? [SSH_FOLDER_SETTING] : [],
      };
    case 'kept':
      return {
        message: l10n.t('It is not known whether key pair {0} was created. {1}{2}', name, why, other),
        actions: [SHOW_LOG],
      };
    case 'unknown':
      if (badKeys) {
        return {
          message: l10n.t(
            '{0} Nothing was saved. Deleting the key pair failed: check your key pairs, and delete it if it is there.',
            why,
          ),
          actions: [SHOW_LOG],
        };
      }
      return {
        message:
          l10n.t('It is not known whether key pair {0} exists on the server. {1} ', name, why) +
          (err.unsavedPrivateKey !== undefined
            ? l10n.t('Copy its private key now and save it yourself, or delete the key pair on the server.')
            : err.keptFiles
              ? l10n.t(
                  'Its key files are kept ({0}): if the key pair is not in your list, delete them.',
                  displayPath(err.keptFiles.privatePath),
                )
              : l10n.t('Check your key pairs, and delete it if it is there.')),
        actions: err.unsavedPrivateKey !== undefined ? [COPY_PRIVATE] : [SHOW_LOG],
      };
  }
}

/** Describes any error a command may meet; `context`: where the Compute endpoint came from. */
export function describeError(err: unknown, context?: ErrorContext): Described {
  if (err instanceof ApiError) return describeApiError(err, context);
  if (err instanceof CreateAbandonedError) return describeAbandoned(err, context);
  if (err instanceof AuthError) {
    const fixable = err.kind === 'bad-credentials' || err.kind === 'signed-out' || err.kind === 'mfa-required';
    return { message: err.message, actions: fixable ? [SIGN_IN] : [] };
  }
  if (err instanceof KeyFileError) return { message: err.message, actions: [SSH_FOLDER_SETTING] };
  if (err instanceof UserSafeError) return { message: err.message, actions: [] };
  // Not worded anywhere: a defect of ours. Its text is not for the user (it may hold
  // anything); the log has it.
  return {
    message: l10n.t('Server Key Pairs hit an unexpected error, and nothing more was done. Show Log has the details.'),
    actions: [SHOW_LOG],
  };
}

/**
 * The sentence after "Added Host …" / "Updated Host …": whether `ssh <alias>` really uses
 * the entry, as `ssh -G` resolved it. `warning` when another entry still wins.
 */
export function describeSshCheck(check: SshCheck, alias: string): { severity: 'info' | 'warning'; text: string } {
  switch (check.status) {
    case 'effective':
      return { severity: 'info', text: l10n.t('ssh -G confirms that "ssh {0}" uses it.', alias) };
    case 'not-checked':
      return {
        severity: 'info',
        text:
          check.reason === 'no-ssh'
            ? l10n.t('It was not checked: no ssh command was found.')
            : check.detail
              ? l10n.t('It could not be checked with ssh -G: {0}', check.detail)
              : l10n.t('It could not be checked with ssh -G.'),
      };
    case 'overridden': {
      const shown = (d: SshOptionDifference, v: string) => (d.option === 'IdentityFile' ? displayPath(v) : v);
      const parts = check.differences.map((d) =>
        d.option === 'IdentityFile'
          ? l10n.t('IdentityFile {0} is tried first, not {1}', shown(d, d.actual), shown(d, d.expected))
          : l10n.t('{0} is {1}, not {2}', d.option, d.actual, d.expected),
      );
      return {
        severity: 'warning',
        text:
          l10n.t(
            'But another entry still wins for "ssh {0}" (ssh uses the first value it finds): {1}. ',
            alias,
            parts.join('; '),
          ) + l10n.t('Change or move the entry that sets these.'),
      };
    }
  }
}
