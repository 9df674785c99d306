/**
 * What a rotation tells: the final question (what worked, what still needs the old key, which
 * deletions are offered, as button ids) and the messages after it. Pure core: no `vscode`
 * import; the shell shows them as they are.
 */
import * as l10n from '../../base/l10n';
import { displayPath } from '../../keys/keyFiles';
import type { RotationStep } from '../../ssh/remoteKeys';
/** How a message is shown (as the shell's message sink takes it). */
export type Severity = 'info' | 'warning' | 'error';
import { DeleteOldDecision, mayStillAccept, RotateKeyPairResult, RotationSummary, ServerSummary } from './run';

/** The button that rotates a pair no reachable server uses (new pair and SSH config only). */
export const CONTINUE = l10n.label('Continue');

/** Button ids of the final question (English, translated by the message sink). */
export const DELETE_OLD_PAIR = l10n.label('Delete Old Key Pair');
export const DELETE_OLD_PAIR_AND_FILE = l10n.label('Delete Old Key Pair and Its Private Key File');

/** A message to show: its severity, text, and (for the final question) the detail and buttons. */
export interface RotationMessage {
  severity: Severity;
  message: string;
  detail?: string;
}

/** The final question: its message, its detail lines, and the buttons by decision. */
export interface DeleteOldQuestion extends RotationMessage {
  detail: string;
  buttons: Array<{ id: Exclude<DeleteOldDecision, 'keep'>; label: string }>;
}

/** The box for the old private key's passphrase (asked once, when no agent holds the key). */
export function oldPassphrasePrompt(privatePath: string): string {
  return l10n.t(
    'Passphrase of the old private key {0} (used once for this rotation, never stored)',
    displayPath(privatePath),
  );
}

/** A server's summary line when its rotation stopped at a step (`revoke` depends on why; see serverLine). */
const FAILED_AT: Record<Exclude<RotationStep, 'revoke'>, (where: string, message: string) => string> = {
  reach: (where, message) =>
    l10n.t('✗ {0}: could not log in with the old key; nothing changed there. {1}', where, message),
  install: (where, message) =>
    l10n.t('✗ {0}: the new key could not be installed; the old key still works there. {1}', where, message),
  verify: (where, message) =>
    l10n.t(
      '✗ {0}: the new key was added but its login could not be confirmed; its entries and the old key stay. {1}',
      where,
      message,
    ),
  config: (where, message) =>
    l10n.t(
      '✗ {0}: the new key works, but its SSH config entries could not be changed; the old key stays. {1}',
      where,
      message,
    ),
  remove: (where, message) =>
    l10n.t('✗ {0}: the new key works, but the old key could not be removed. {1}', where, message),
};

/** One line of the summary for a server: what happened there, and what still holds there. */
export function serverLine(entry: ServerSummary): string {
  const { server, result, reachedAs } = entry;
  const where = `${server.name} (${reachedAs.user ? `${reachedAs.user}@` : ''}${reachedAs.host})`;
  if (!result.error) {
    return l10n.t('✓ {0}: new key installed and checked, old key removed and refused.', where);
  }
  const { step, message } = result.error;
  if (step !== 'revoke') return FAILED_AT[step](where, message);
  return result.error.kind === 'still-accepted'
    ? l10n.t('✗ {0}: NOT revoked: the old key is {1}', where, message)
    : l10n.t('✗ {0}: the old key was removed, but its refusal could not be checked. {1}', where, message);
}

/**
 * The final question (see ./run.ts `confirmDeleteOld`): warning when a server failed; it says
 * the old pair is kept while a server may still accept the old key, else asks to delete it
 * from `region`; the buttons are the deletions `summary.choices` offers, in that order.
 */
export function deleteOldQuestion(summary: RotationSummary, region: string | undefined): DeleteOldQuestion {
  const lines: string[] = [];
  lines.push(l10n.t('New key: {0}', summary.newPair.privatePath));
  for (const entry of summary.servers) {
    lines.push(serverLine(entry));
    for (const change of entry.configChanges) {
      const hosts = change.entries.map((e) => e.host || l10n.t('(global)')).join(', ');
      lines.push(l10n.t('  {0}: now uses the new key for {1}.', change.path, hosts));
    }
  }
  if (summary.servers.length === 0) lines.push(l10n.t('No servers were updated.'));
  if (summary.serversNotChosen.length > 0) {
    lines.push(l10n.t('Not chosen (still use the old key): {0}', summary.serversNotChosen.join(', ')));
  }
  for (const use of summary.stillUsingOldKey) {
    lines.push(
      l10n.t(
        'Still uses the old key: {0} line {1} ({2})',
        use.path,
        use.lines.join(', '),
        use.host || l10n.t('(global)'),
      ),
    );
  }
  for (const failure of summary.configFailures) {
    lines.push(l10n.t('Not checked or not changed: {0}: {1}', failure.path, failure.message));
  }
  for (const withheld of summary.choices.withheld) lines.push(...withheld.reasons);
  const buttons: DeleteOldQuestion['buttons'] = [];
  if (summary.choices.offered.includes('delete-pair')) buttons.push({ id: 'delete-pair', label: DELETE_OLD_PAIR });
  if (summary.choices.offered.includes('delete-pair-and-private-key')) {
    lines.push(l10n.t('"Delete Old Key Pair and Its Private Key File" also deletes: {0}', summary.oldFiles.join(', ')));
    buttons.push({ id: 'delete-pair-and-private-key', label: DELETE_OLD_PAIR_AND_FILE });
  }
  const failed = summary.servers.some((s) => s.result.error);
  const accepting = summary.servers.filter((s) => mayStillAccept(s.result)).map((s) => s.server.name);
  const { oldPair, newPair } = summary;
  const message =
    accepting.length > 0
      ? l10n.t(
          'Key pair "{0}" is not replaced everywhere: the old key may still log in to {1}. The old key pair is kept.',
          oldPair.name,
          accepting.join(', '),
        )
      : region
        ? l10n.t(
            'Key pair "{0}" was replaced by "{1}" in region {2}. Delete the old key pair "{0}" from region {2}?',
            oldPair.name,
            newPair.name,
            region,
          )
        : l10n.t(
            'Key pair "{0}" was replaced by "{1}". Delete the old key pair "{0}" from the cloud?',
            oldPair.name,
            newPair.name,
          );
  return { severity: failed ? 'warning' : 'info', message, detail: lines.join('\n'), buttons };
}

/** The decision of the button chosen (its id), 'keep' for none or one not offered. */
export function decisionOf(question: DeleteOldQuestion, picked: string | undefined): DeleteOldDecision {
  return question.buttons.find((b) => b.label === picked)?.id ?? 'keep';
}

/**
 * The messages after the final question: a failed deletion alone; else a warning for servers
 * that still accept the old key, then how many servers were updated and what became of the old pair.
 */
export function rotationOutcome(result: RotateKeyPairResult): RotationMessage[] {
  const name = result.oldPair.name;
  if (result.deleteError) {
    return [
      { severity: 'error', message: l10n.t('Deleting the old key pair "{0}" failed: {1}', name, result.deleteError) },
    ];
  }
  const out: RotationMessage[] = [];
  const ok = result.servers.filter((s) => !s.result.error).length;
  const notRevoked = result.servers.filter((s) => s.result.error?.kind === 'still-accepted').map((s) => s.server.name);
  if (notRevoked.length > 0) {
    out.push({
      severity: 'warning',
      message: l10n.t(
        'The old key of "{0}" still logs in to {1}: it is authorized outside ~/.ssh/authorized_keys. The rotation is not complete there.',
        name,
        notRevoked.join(', '),
      ),
    });
  }
  const kept =
    result.decision === 'keep'
      ? l10n.t('The old key pair "{0}" was kept.', name)
      : result.oldFilesDeleted
        ? l10n.t('The old key pair "{0}" and its private key file were deleted.', name)
        : l10n.t('The old key pair "{0}" was deleted; its private key file was kept.', name);
  out.push({
    severity: 'info',
    message: l10n.t(
      'Rotated to "{0}": {1} of {2} servers updated. {3}',
      result.newPair.name,
      ok,
      result.servers.length,
      kept,
    ),
  });
  return out;
}
