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
import {
  aliasProblem,
  aliasWarning,
  ConfigEntry,
  configEntries,
  ourEntrySeen,
  suggestHostAlias,
  warnOnce,
} from '../../core/flows/connectPlan';
import { checkConfigWord, sshCommand } from '../../core/ssh/sshCommand';
import { displayPath } from '../../core/keys/keyFiles';
import { addHostToSshConfig } from '../../core/ssh/config/hostEntry';
import { checkWithSsh } from '../../core/ssh/config/check';
import { readConfigTree, sshConfigArgs } from '../../core/ssh/config/tree';
import { log } from '../log';
import { showError } from '../messages';
import { Services } from '../services';
import { sshDirectory } from '../settings';
import { sshConfigTarget } from '../flowSettings';
import { runSteps, Step, textStep } from '../../core/ask/wizard';
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

/** The answers of the three steps (Back between them): alias, HostName (optional), User. */
interface HostAnswers {
  alias: string;
  hostName: string;
  user: string;
}

function hostSteps(services: Services, configPath: string, entries: readonly ConfigEntry[]): Array<Step<HostAnswers>> {
  const aliasCheck = warnOnce((alias) => aliasWarning(alias, entries));
  return [
    textStep<keyof HostAnswers, HostAnswers>(services.ui, 'alias', {
      title: vscode.l10n.t(TITLE),
      prompt: vscode.l10n.t('Host alias: the name to type after "ssh" (entry in {0})', displayPath(configPath)),
      validate: (v) => aliasProblem(v.trim(), entries),
      check: (answers) => aliasCheck(answers.alias),
    }),
    textStep<keyof HostAnswers, HostAnswers>(services.ui, 'hostName', {
      title: vscode.l10n.t(TITLE),
      prompt: vscode.l10n.t(
        "HostName: the server's IP address or DNS name (optional: leave empty to use the alias as host name)",
      ),
      placeholder: vscode.l10n.t('e.g. {0}', '203.0.113.10'),
      validate: (v) => (v.trim() === '' ? undefined : checkConfigWord(v.trim(), 'host')),
    }),
    textStep<keyof HostAnswers, HostAnswers>(services.ui, 'user', {
      title: vscode.l10n.t(TITLE),
      prompt: vscode.l10n.t('User to log in as'),
      validate: (v) => (v.trim() === '' ? undefined : checkConfigWord(v.trim(), 'user')),
    }),
  ];
}

export async function addToSshConfigCommand(
  services: Services,
  arg?: unknown,
): Promise<AddToSshConfigResult | undefined> {
  let target: SshConfigTarget | undefined;
  if (isTarget(arg)) {
    target = arg;
  } else {
    const node = await pickKeyPair(services, arg, { title: vscode.l10n.t(TITLE), localOnly: true });
    if (!node) return undefined;
    if (!node.local) {
      const where = displayPath(sshDirectory());
      void services.messages.show(
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
  const tree = await readConfigTree(configPath);
  const entries = configEntries(tree);
  const answers: HostAnswers = {
    alias: suggestHostAlias(path.basename(target.privatePath), entries),
    hostName: '',
    user: 'root',
  };
  const steps = hostSteps(services, configPath, entries);
  if (!(await runSteps(() => steps, answers))) return undefined;
  const { alias, hostName, user } = answers;

  const entry = {
    configPath,
    alias: alias.trim(),
    hostName: hostName.trim() || undefined,
    user: user.trim() || undefined,
    identityFile: target.privatePath,
    // Another window may have written this alias since the box showed what it has.
    ourEntry: ourEntrySeen(alias.trim(), entries),
  };
  let added: boolean;
  let outcome: 'added' | 'updated' | 'unchanged' | 'exists' | 'taken';
  try {
    const result = await addHostToSshConfig(entry);
    added = result.added;
    outcome = result.result.outcome;
  } catch (err) {
    void showError(services.messages, err, vscode.l10n.t('Adding "{0}" to {1}', entry.alias, displayPath(configPath)));
    return undefined;
  }
  const openConfig = async (): Promise<void> => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(configPath));
    await vscode.window.showTextDocument(doc, { preview: false });
  };

  if (!added) {
    void services.messages
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
  void services.messages
    .show(check.severity, `${did} ${check.text}`, [COPY_SSH_COMMAND, OPEN_SSH_CONFIG])
    .then(async (picked) => {
      if (picked === COPY_SSH_COMMAND) {
        await vscode.env.clipboard.writeText(command);
        confirmQuietly(vscode.l10n.t('Copied the SSH command: {0}', command));
      } else if (picked === OPEN_SSH_CONFIG) await openConfig();
    });
  return { added: true, alias: entry.alias, configPath, command };
}
