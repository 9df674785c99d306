/**
 * Asks and tells about a server's host key at first contact (Connect, Rotate, Trust Host
 * Key…): runs the core check (../flows/hostKeyCheck), says when it stops (a mismatch with both
 * fingerprints; a server that can't be reached), and asks in a modal when the console could not
 * vouch for the key. Nothing from the console is shown: only fingerprints computed here.
 */
import * as l10n from '../../core/base/l10n';
import * as vscode from 'vscode';
import { ComputeClient } from '../../core/api/compute';
import { readHostKeysFromConsole } from '../../core/api/console';
import {
  checkHostKey,
  describeUnpinnable,
  describeMismatch,
  describeUnreachable,
  describeUnverified,
  HostKeyCheck,
  HostKeyPrefetch,
  pinUnverified,
  retryMayHelp,
} from '../../core/flows/hostKeyCheck';
import { displayPath } from '../../core/keys/keyFiles';
import { sshHome } from '../../core/ssh/config/paths';
import { log } from '../log';
import type { MessageSink } from '../ui/notify';
import { CommandContext } from './context';
import { withCancellableProgress } from '../ui/progress';

export const TRUST_THIS_KEY = l10n.label('Trust This Key');
export const CHECK_CONSOLE_AGAIN = l10n.label('Check the Console Again');
export const RETRY = l10n.label('Retry');

/** The check usually ends within tens of milliseconds (the contact was made during the steps): no toast for that. */
const HOST_KEY_PROGRESS_DELAY_MS = 500;

export interface HostKeyTarget {
  compute: ComputeClient;
  server: { id: string; name: string };
  /** What ssh is given: the Host alias (or the address). */
  host: string;
  configArgs: string[];
  /** Trust Host Key…: verified keys (or the one accepted) replace the pinned ones. */
  replace?: boolean;
  /** Connect: the console read and contact started while its steps were asked (used by the first check only). */
  prefetched?: HostKeyPrefetch;
}

/**
 * True when ssh will find a key for the host that is verified or that the user accepted;
 * false when it stopped (told) or the user declined. `retry` is offered on a server that could
 * not be reached (without awaiting the message).
 */
export async function confirmHostKey(ctx: CommandContext, target: HostKeyTarget, retry?: () => void): Promise<boolean> {
  const { messages } = ctx;
  const name = target.server.name || target.server.id;
  for (;;) {
    const check = await withCancellableProgress(
      vscode.l10n.t('Checking the host key of {0}…', name),
      (signal) =>
        checkHostKey({
          host: target.host,
          configArgs: target.configArgs,
          home: sshHome(),
          replace: target.replace,
          signal,
          readConsole: () => readHostKeysFromConsole(target.compute, target.server.id, { signal }),
          consoleError: (err) => log.warn(`host key of "${name}": console not read: ${String(err)}`),
          prefetched: target.prefetched,
          prefetchUse: (note) => log.info(`host key of "${name}": ${note}`),
        }),
      ctx.signal,
      { delayMs: HOST_KEY_PROGRESS_DELAY_MS },
    );
    log.info(`host key of "${name}" (${target.host}): ${summary(check)}`);
    switch (check.status) {
      case 'verified':
      case 'known':
        return true;
      case 'mismatch':
        // A modal: a security stop is read in full, never as a toast cut after its first line.
        await messages.show('error', describeMismatch(check, name), [], { modal: true });
        return false;
      case 'unpinnable':
        void messages.show('error', describeUnpinnable(check, name));
        return false;
      case 'unreachable':
        void messages.show('error', describeUnreachable(check, name), retry ? [RETRY] : []).then((b) => {
          if (b === RETRY) retry?.();
        });
        return false;
      case 'unverified': {
        const buttons = retryMayHelp(check.gap) ? [TRUST_THIS_KEY, CHECK_CONSOLE_AGAIN] : [TRUST_THIS_KEY];
        const answer = await askTrust(messages, check, name, buttons);
        if (answer === CHECK_CONSOLE_AGAIN) continue;
        if (answer !== TRUST_THIS_KEY) return false;
        if (await pinUnverified(check, { replace: target.replace })) return true;
        void messages.show(
          'error',
          vscode.l10n.t(
            '{0} changed meanwhile and now holds another key for server "{1}": nothing was pinned.',
            displayPath(check.place.file),
            name,
          ),
        );
        return false;
      }
    }
  }
}

/** The modal for a host key the console could not vouch for, with its fingerprint; the button id chosen. */
export function askTrust<A extends string>(
  messages: MessageSink,
  check: Extract<HostKeyCheck, { status: 'unverified' }>,
  name: string,
  buttons: readonly A[] = [TRUST_THIS_KEY as A],
): Promise<A | undefined> {
  return messages.show('warning', describeUnverified(check, name), buttons, {
    modal: true,
    detail: vscode.l10n.t('SHA256 fingerprint: {0}', check.presented),
  });
}

function summary(check: HostKeyCheck): string {
  switch (check.status) {
    case 'verified':
      return `${check.presented} verified against the console; ${check.added} key(s) pinned in ${check.place.file} as ${check.place.name}`;
    case 'known':
      return `${check.presented} already pinned in ${check.place.file}`;
    case 'mismatch':
      return `MISMATCH: presents ${check.presented}, ${check.source} has ${check.expected.join(', ')}`;
    case 'unverified':
      return `${check.presented} not verified (console: ${check.gap})`;
    case 'unpinnable':
      return `${check.presented} not pinned: UserKnownHostsFile ${check.file}`;
    case 'unreachable':
      return `not reached (${check.reason}: ${check.detail})`;
  }
}
