/**
 * Who words a message (the rule): the core says what happened — a typed error with a kind
 * or code and its data (ApiError, PagingError, CreateAbandonedError, …) — and this module
 * turns that into the sentence the user reads. The one exception is UserSafeError
 * (src/api/userSafe.ts): errors about the user's own input and files (a public key that
 * does not parse, a key file that exists, a refused credential, an agent that said no)
 * carry a finished, redacted sentence, shown as it is. Nothing else is ever shown raw.
 *
 * The wording of every error a command may meet: typed errors of the core become the
 * sentence the user reads and the actions offered with it. No `vscode` import, so the
 * fault and secret-hygiene suites check these exact messages in plain Node; src/messages.ts
 * shows them. Messages never contain a token, a key or a stack trace.
 */
import { ApiError } from './api/errors';
import { PagingError } from './api/paging';
import { AuthError } from './api/identity';
import { CreateAbandonedError, LeftAlonePair, ServerKeyError } from './flows/createKeyPair';
import { displayPath, KeyFileError } from './keys/keyFiles';
import type { SshCheck, SshOptionDifference } from './keys/sshConfig';
import { UserSafeError } from './api/userSafe';

export const SET_TOKEN = 'Set API Token';
export const SIGN_IN = 'Sign In';
export const OPEN_SETTING = 'Open Setting';
export const SHOW_LOG = 'Show Log';
export const SSH_FOLDER_SETTING = 'Change SSH Folder';
export const COPY_PRIVATE = 'Copy Private Key';

export interface Described {
  message: string;
  actions: string[];
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the server';
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

/** The user-facing sentence for an API failure, and what can be done about it. */
export function describeApiError(err: ApiError): Described {
  const at = host(err.url);
  // A sign-in failure is about the identity URL, not about the "keypairs.endpoint" setting.
  const identity = isIdentityRequest(err.url);
  const fixWhere = identity ? SIGN_IN : OPEN_SETTING;
  const check = identity ? 'Check the identity URL you signed in with' : 'Check the "keypairs.endpoint" setting';
  const isItRight = identity ? 'Is the identity URL you signed in with right?' : 'Is "keypairs.endpoint" right?';
  const server = err.serverMessage ? `: ${err.serverMessage}` : '.';
  const later = err.retryAfterSeconds !== undefined ? ` Try again in ${formatSeconds(err.retryAfterSeconds)}.` : ' Try again later.';
  switch (err.kind) {
    case 'bad-request':
      return { message: `The server rejected the request${server}`, actions: [] };
    case 'unauthorized':
      return {
        message: `${at} rejected the credentials (401): the token may have expired. Sign in again, or set a new API token.`,
        actions: [SIGN_IN, SET_TOKEN],
      };
    case 'forbidden':
      return { message: `Not allowed by ${at} (403)${server}`, actions: [] };
    case 'quota':
      return {
        message: `Your key pair quota is used up${server} Delete key pairs you no longer need, or ask for a higher quota.`,
        actions: [],
      };
    case 'endpoint-not-found':
    case 'method-not-allowed':
      return {
        message: `${at} has no ${identity ? 'identity service' : 'Compute key pairs API'} at this address (${err.status}). ${check}.`,
        actions: [fixWhere],
      };
    case 'not-found':
      return { message: `Not found on ${at}${server}`, actions: [] };
    case 'conflict':
      return { message: `Conflict (409)${server}`, actions: [] };
    case 'rate-limited':
      return { message: `${at} is limiting requests (${err.status}).${later}`, actions: [] };
    case 'unsupported-media-type':
      return {
        message: `${at} refused the request format (415). ${identity ? isItRight : 'Is "keypairs.endpoint" a Compute API?'}`,
        actions: [fixWhere],
      };
    case 'not-acceptable':
      return { message: `${at} does not support the API version requested (406)${server}`, actions: [SHOW_LOG] };
    case 'server-error':
      return { message: `${at} failed to handle the request (${err.status})${server}${later}`, actions: [SHOW_LOG] };
    case 'unavailable':
      return { message: `The ${identity ? 'identity' : 'Compute'} service at ${at} is unavailable (503).${later}`, actions: [] };
    case 'unexpected-status':
      return { message: `${at} answered with an unexpected status ${err.status}${server}`, actions: [SHOW_LOG] };
    case 'timeout':
      return { message: `${at} did not answer in time. Check your network or try again.`, actions: [SHOW_LOG] };
    case 'connection-refused':
      return { message: `Could not connect to ${at}: the connection was refused. ${check}.`, actions: [fixWhere] };
    case 'dns':
      return { message: `The host ${at} could not be found. ${check} and your network.`, actions: [fixWhere] };
    case 'tls':
      return {
        message:
          `A secure connection to ${at} could not be made (${err.code}). ` +
          'Its certificate is not trusted or does not match; nothing was sent.' +
          trustedText(err),
        actions: [SHOW_LOG],
      };
    case 'connection-lost':
      return { message: `The connection to ${at} broke before the answer was complete.`, actions: [SHOW_LOG] };
    case 'bad-response':
      return {
        message:
          `${at} sent an answer that is not what the ${identity ? 'identity service' : 'Compute API'} sends ` +
          `(${err instanceof PagingError ? pagingText(err) : (err.code ?? 'unreadable')}). ${isItRight}`,
        actions: [fixWhere, SHOW_LOG],
      };
    case 'response-too-large':
      return { message: `${at} sent an answer larger than 1 MB; it was not read. ${isItRight}`, actions: [fixWhere] };
    case 'cancelled':
      return { message: 'Cancelled.', actions: [] };
    case 'invalid-endpoint':
      return {
        message: `${identity ? 'The identity URL' : '"keypairs.endpoint"'} is not an http:// or https:// URL.`,
        actions: [fixWhere],
      };
    case 'insecure-transport':
      return {
        message:
          `Nothing was sent to ${at}: it is reached over plain http://, which would send your ` +
          `${identity ? 'password, API key or secret' : 'token'} unencrypted for anyone on the network to read. ` +
          `Use an https:// address${identity ? ' when you sign in' : ' in "keypairs.endpoint"'}.`,
        actions: [fixWhere],
      };
  }
}

/** " Trusted: 144 certificates built into Node.js, 140 from the system store (/etc/…)." or "". */
function trustedText(err: ApiError): string {
  if (!err.certificateSources?.length) return '';
  const parts = err.certificateSources.map((s) => {
    switch (s.source) {
      case 'bundled':
        return `${s.count} certificates built into Node.js`;
      case 'system':
        return `${s.count} from the system store (${s.path})`;
      case 'env':
        return `${s.count} from NODE_EXTRA_CA_CERTS (${s.path})`;
      case 'setting':
        return `${s.count} from the certificate files in settings`;
    }
  });
  return ` Trusted: ${parts.join(', ')}.`;
}

/** Why a paged list was given up, in the words of a `bad-response` message. */
function pagingText(err: PagingError): string {
  switch (err.problem) {
    case 'page-repeated':
      return 'the same page came again: the server ignores "marker"';
    case 'marker-stuck':
      return 'the next page starts where the last one did: the server ignores "marker"';
    case 'too-many-pages':
      return `the list did not end after ${err.pages} pages`;
    case 'too-many-items':
      return `the list holds more than ${err.items} items`;
  }
}

function formatSeconds(s: number): string {
  return s < 90 ? `${s} s` : `${Math.ceil(s / 60)} min`;
}

/** A fingerprint as servers show them (MD5 hex pairs, or SHA256:base64); anything else is not shown. */
function shownFingerprint(fingerprint: string): string {
  return /^(?:[0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(fingerprint) || /^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)
    ? fingerprint
    : '(not a fingerprint)';
}

/**
 * What the user can check about a pair a failed create left alone: its name, where it is and
 * its fingerprint. Only server text that matches ours (the name up to case) or a fingerprint's
 * form is repeated, so nothing a server makes up reaches the message.
 */
function leftAloneText(pair: LeftAlonePair, ourName: string): string {
  const name = pair.name.toLowerCase() === ourName.toLowerCase() ? `"${pair.name}"` : 'under another name';
  const it = `A key pair ${name} (fingerprint ${shownFingerprint(pair.fingerprint)}) is on ${host(pair.endpoint)}`;
  switch (pair.why) {
    case 'existed-before':
      return `${it}: it was there before this create, so it is not the one made here. It was left alone.`;
    case 'name-differs-in-case':
      return (
        `${it}: its name differs only in case, and this server does not tell such names apart, ` +
        'so it is not the one made here. It was left alone.'
      );
    case 'other-public-key':
      return `${it} with another public key: another client made it. It was left alone; choose another name.`;
    case 'unproven':
      return (
        `${it}, but it cannot be told whether it is the one made here, so it was left alone. ` +
        'If nobody else made it, delete it: its private key never arrived.'
      );
  }
}

/**
 * The parser's reason, unless it repeats server text that could read as a link or markup
 * (e.g. a key type name taken from the key data): then a plain sentence instead.
 */
function plainDetail(detail: string): string {
  return /[[\]<>`]/.test(detail) ? 'it is not a valid OpenSSH public key.' : detail;
}

function serverKeyText(err: ServerKeyError, name: string): string {
  switch (err.problem) {
    case 'public-key':
      return (
        `The server's answer for key pair ${name} holds a public key that is not one OpenSSH public key line: ` +
        plainDetail(err.detail)
      );
    case 'private-key':
      return `The server's answer for key pair ${name} holds a private key that cannot be used: ${err.detail}`;
    case 'mismatch':
      return `The server sent a private key that does not belong to the public key of key pair ${name}.`;
  }
}

function describeAbandoned(err: CreateAbandonedError): Described {
  const name = `"${err.keyPairName}"`;
  const why =
    err.reason instanceof ApiError
      ? describeApiError(err.reason).message
      : err.reason instanceof KeyFileError
        ? `The private key could not be saved: ${err.reason.message}`
        : err.reason instanceof ServerKeyError
          ? serverKeyText(err.reason, name)
          : err.reason.message;
  const other = err.leftAlone ? ` ${leftAloneText(err.leftAlone, err.keyPairName)}` : '';
  const badKeys = err.reason instanceof ServerKeyError;
  switch (err.server) {
    case 'not-created':
      return { message: `Key pair ${name} was not created. ${why}${other}`, actions: [] };
    case 'deleted':
      if (badKeys) {
        const message = `${why} Nothing was saved, and the key pair was deleted from the server again.`;
        return { message, actions: [] };
      }
      return {
        message: `Key pair ${name} was deleted from the server again, because its private key could not be kept. ${why}`,
        actions: err.reason instanceof KeyFileError ? [SSH_FOLDER_SETTING] : [],
      };
    case 'kept':
      return { message: `It is not known whether key pair ${name} was created. ${why}${other}`, actions: [SHOW_LOG] };
    case 'unknown':
      if (badKeys) {
        return {
          message:
            `${why} Nothing was saved. Deleting the key pair failed: ` +
            'check your key pairs, and delete it if it is there.',
          actions: [SHOW_LOG],
        };
      }
      return {
        message:
          `It is not known whether key pair ${name} exists on the server. ${why} ` +
          (err.unsavedPrivateKey !== undefined
            ? 'Copy its private key now and save it yourself, or delete the key pair on the server.'
            : err.keptFiles
              ? `Its key files are kept (${displayPath(err.keptFiles.privatePath)}): ` +
                'if the key pair is not in your list, delete them.'
              : 'Check your key pairs, and delete it if it is there.'),
        actions: err.unsavedPrivateKey !== undefined ? [COPY_PRIVATE] : [SHOW_LOG],
      };
  }
}

/** Describes any error a command may meet. */
export function describeError(err: unknown): Described {
  if (err instanceof ApiError) return describeApiError(err);
  if (err instanceof CreateAbandonedError) return describeAbandoned(err);
  if (err instanceof AuthError) {
    const fixable = err.kind === 'bad-credentials' || err.kind === 'signed-out' || err.kind === 'mfa-required';
    return { message: err.message, actions: fixable ? [SIGN_IN] : [] };
  }
  if (err instanceof KeyFileError) return { message: err.message, actions: [SSH_FOLDER_SETTING] };
  if (err instanceof UserSafeError) return { message: err.message, actions: [] };
  // Not worded anywhere: a defect of ours. Its text is not for the user (it may hold
  // anything); the log has it.
  return {
    message: 'Server Key Pairs hit an unexpected error, and nothing more was done. Show Log has the details.',
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
      return { severity: 'info', text: `ssh -G confirms that "ssh ${alias}" uses it.` };
    case 'not-checked':
      return {
        severity: 'info',
        text:
          check.reason === 'no-ssh'
            ? 'It was not checked: no ssh command was found.'
            : `It could not be checked with ssh -G${check.detail ? `: ${check.detail}` : '.'}`,
      };
    case 'overridden': {
      const shown = (d: SshOptionDifference, v: string) => (d.option === 'IdentityFile' ? displayPath(v) : v);
      const parts = check.differences.map((d) =>
        d.option === 'IdentityFile'
          ? `IdentityFile ${shown(d, d.actual)} is tried first, not ${shown(d, d.expected)}`
          : `${d.option} is ${d.actual}, not ${d.expected}`,
      );
      return {
        severity: 'warning',
        text:
          `But another entry still wins for "ssh ${alias}" (ssh uses the first value it finds): ${parts.join('; ')}. ` +
          'Change or move the entry that sets these.',
      };
    }
  }
}
