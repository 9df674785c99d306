/**
 * Key Pairs: Add to SSH Config… — a `Host` entry for a key pair whose private key is
 * here, written to the one SSH config the user's ssh reads (`sshConfigTarget()`: their own
 * `remote.SSH.configFile`, else `~/.ssh/config`, wherever the keys are kept) where it takes
 * effect (before `Host *`/`Match`; nothing else in the file changes) and checked with
 * `ssh -G` as plain ssh reads it. Offered on view nodes with local files and after a
 * successful create or import.
 */
import * as l10n from '../../core/base/l10n';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeSshCheck } from '../../core/wording/sshCheck';
import { suggestHostAlias } from '../../core/flows/hostEntry';
import {
  aliasStep,
  HostAnswers,
  hostNameStep,
  readConfigEntries,
  userStep,
  writeHostEntryAsSeen,
} from '../../core/flows/hostEntrySteps';
import { checkConfigWord, sshCommand } from '../../core/ssh/sshCommand';
import { displayPath } from '../../core/keys/keyFiles';
import { checkWithSsh } from '../../core/ssh/config/check';
import { sshConfigArgs } from '../../core/ssh/config/tree';
import { log } from '../log';
import { showError } from '../messages';
import { CommandContext } from './context';
import { sshDirectory } from '../settings';
import { sshConfigTarget } from '../flowSettings';
import { runSteps } from '../../core/ask/wizard';
import { confirmQuietly } from '../ui/quiet';
import { pickKeyPair } from './pickKeyPair';

const TITLE = l10n.label('Add to SSH Config');
export const COPY_SSH_COMMAND = l10n.label('Copy SSH Command');
export const OPEN_SSH_CONFIG = l10n.label('Open SSH Config');

/** What create and import pass: the key pair's name and its private key file. */
export interface SshConfigTarget {
  name: string;
  privatePath: string;
}

export interface AddToSshConfigResult {
  added: boolean;
  alias: string;
  configPath: string;
  /** The command Copy SSH Command copies (when added). */
  command?: string;
}

function isTarget(x: unknown): x is SshConfigTarget {
  const t = x as Partial<SshConfigTarget> | undefined;
  return typeof t?.name === 'string' && typeof t.privatePath === 'string';
}

export async function addToSshConfigCommand(
  ctx: CommandContext,
  arg?: unknown,
): Promise<AddToSshConfigResult | undefined> {
  let target: SshConfigTarget | undefined;
  if (isTarget(arg)) {
    target = arg;
  } else {
    const node = await pickKeyPair(ctx, arg, { title: vscode.l10n.t(TITLE), localOnly: true });
    if (!node) return undefined;
    if (!node.local) {
      const where = displayPath(sshDirectory());
      void ctx.messages.show(
        'info',
        vscode.l10n.t(
          'The private key of "{0}" is not in {1}, so there is no identity file to use.',
          node.keyPair.name,
          where,
        ),
      );
      return undefined;
    }
    target = { name: node.keyPair.name, privatePath: node.local.privatePath };
  }

  const config = sshConfigTarget();
  const configPath = config.path;
  const entries = await readConfigEntries(configPath, (line) => log.warn(line));
  const answers: HostAnswers = {
    alias: suggestHostAlias(path.basename(target.privatePath), entries),
    hostName: '',
    user: 'root',
  };
  // The alias first, then where it goes (the one set of Host-entry steps, Connect's too).
  const title = vscode.l10n.t(TITLE);
  const steps = [
    aliasStep(ctx.ui, { title, configPath, entries, knowsHostName: false }),
    hostNameStep(ctx.ui, title),
    userStep(ctx.ui, title, vscode.l10n.t('User to log in as'), (v) =>
      v.trim() === '' ? undefined : checkConfigWord(v.trim(), 'user'),
    ),
  ];
  if (!(await runSteps(() => steps, answers))) return undefined;
  const { alias, hostName, user } = answers;

  const entry = {
    alias: alias.trim(),
    hostName: hostName.trim() || undefined,
    user: user.trim() || undefined,
    identityFile: target.privatePath,
  };
  let outcome: 'added' | 'updated' | 'unchanged' | 'exists' | 'taken';
  try {
    // Another window may have written this alias since the box showed what it has.
    outcome = (await writeHostEntryAsSeen(configPath, entry, entries)).outcome;
  } catch (err) {
    void showError(ctx.messages, err, vscode.l10n.t('Adding "{0}" to {1}', entry.alias, displayPath(configPath)));
    return undefined;
  }
  const openConfig = async (): Promise<void> => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(configPath));
    await vscode.window.showTextDocument(doc, { preview: false });
  };

  if (outcome === 'exists' || outcome === 'taken') {
    void ctx.messages
      .show(
        'warning',
        outcome === 'taken'
          ? vscode.l10n.t(
              'Host "{0}" in {1} was changed by another window while you chose it; nothing was changed.',
              entry.alias,
              displayPath(configPath),
            )
          : vscode.l10n.t('Host "{0}" is already in {1}; nothing was changed.', entry.alias, displayPath(configPath)),
        [OPEN_SSH_CONFIG],
      )
      .then(async (picked) => {
        if (picked === OPEN_SSH_CONFIG) await openConfig();
      });
    return { added: false, alias: entry.alias, configPath };
  }

  const command = sshCommand(entry);
  const check = describeSshCheck(
    await checkWithSsh({ configPath, configArgs: sshConfigArgs(config), entry }),
    entry.alias,
  );
  const where = displayPath(configPath);
  const did =
    outcome === 'added'
      ? vscode.l10n.t('Added Host "{0}" to {1}.', entry.alias, where)
      : outcome === 'updated'
        ? vscode.l10n.t('Updated Host "{0}" in {1}.', entry.alias, where)
        : vscode.l10n.t('Host "{0}" in {1} was already up to date.', entry.alias, where);
  log.info(`key pair "${target.name}": ${did} ${check.text}`);
  void ctx.messages
    .show(check.severity, `${did} ${check.text}`, [COPY_SSH_COMMAND, OPEN_SSH_CONFIG])
    .then(async (picked) => {
      if (picked === COPY_SSH_COMMAND) {
        await vscode.env.clipboard.writeText(command);
        confirmQuietly(vscode.l10n.t('Copied the SSH command: {0}', command));
      } else if (picked === OPEN_SSH_CONFIG) await openConfig();
    });
  return { added: true, alias: entry.alias, configPath, command };
}
