/**
 * The wording of a create that was given up (CreateAbandonedError): whether the key pair is on
 * the server, why (an API failure, key files that could not be saved, keys the server sent
 * that cannot be used), and a pair of the same name that was left alone.
 */
import * as l10n from '../base/l10n';
import { ApiError } from '../api/errors';
import { CreateAbandonedError, LeftAlonePair, ServerKeyError } from '../flows/createKeyPair';
import { displayPath, KeyFileError } from '../keys/keyFiles';
import { COPY_PRIVATE, Described, SHOW_LOG, SSH_FOLDER_SETTING } from './actions';
import { describeApiError, ErrorContext, host } from './api';

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

/** A given-up create in words; `context` words an API failure among its reasons. */
export function describeAbandoned(err: CreateAbandonedError, context: ErrorContext | undefined): Described {
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
