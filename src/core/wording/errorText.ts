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
 *
 * The one entry point is {@link describeError}; the wording of each area is beside it: ./api.ts
 * (API failures, by where the address came from), ./create.ts (a create that was given up),
 * ./sshCheck.ts (the `ssh -G` check), ./actions.ts (the actions offered).
 */
import * as l10n from '../base/l10n';
import { ApiError } from '../api/errors';
import { AuthError } from '../api/identity';
import { CreateAbandonedError } from '../flows/createKeyPair';
import { KeyFileError } from '../keys/keyFiles';
import { UserSafeError } from '../base/userSafe';
import { Described, SHOW_LOG, SIGN_IN, SSH_FOLDER_SETTING } from './actions';
import { describeApiError, ErrorContext } from './api';
import { describeAbandoned } from './create';

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
