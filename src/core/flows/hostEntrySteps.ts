/**
 * The `Host` entry Connect to Server… and Add to SSH Config ask for and write: one set of steps
 * (address, login user, HostName, alias; Back between them) over the core wizard, and one
 * writer (which keeps our entry as it is when another window changed it since the alias box
 * showed it). No `vscode` import: the shell passes its UserInput as the StepInput.
 */
import { plainLabel } from '../base/plainText';
import * as l10n from '../base/l10n';
import { displayPath } from '../keys/keyFiles';
import { describeAddress, ServerAddress } from '../servers/addresses';
import { checkConfigWord } from '../ssh/config/words';
import { HostEntry, writeHostEntry, WriteHostEntryResult } from '../ssh/config/hostEntry';
import { readConfigTree } from '../ssh/config/tree';
import { pickStep, Step, StepInput, textStep } from '../ask/wizard';
import { aliasProblem, aliasWarning, ConfigEntry, configEntries, ourEntrySeen, warnOnce } from './hostEntry';

/** The answers of the Host-entry steps (trimmed). */
export interface HostAnswers {
  alias: string;
  /** The address picked (Connect), or typed (Add to SSH Config: '' for none). */
  hostName: string;
  /** The login user ('' for none: Add to SSH Config only). */
  user: string;
}

/** Pick of a server's addresses (best first, "Recommended"), into `hostName`. */
export function addressStep(ui: StepInput, title: string, addresses: readonly ServerAddress[]): Step<HostAnswers> {
  return pickStep<'hostName', string, HostAnswers>(ui, 'hostName', {
    title,
    placeholder: l10n.t('Address to connect to (the best one is first)'),
    items: addresses.map((address, i) => ({
      label: address.ip,
      description: plainLabel(describeAddress(address)),
      detail: i === 0 ? l10n.t('Recommended') : undefined,
      value: address.ip,
    })),
  });
}

/** The HostName box of Add to SSH Config: an IP address or DNS name, or empty for the alias itself. */
export function hostNameStep(ui: StepInput, title: string): Step<HostAnswers> {
  return textStep<keyof HostAnswers, HostAnswers>(ui, 'hostName', {
    title,
    prompt: l10n.t(
      "HostName: the server's IP address or DNS name (optional: leave empty to use the alias as host name)",
    ),
    placeholder: l10n.t('e.g. {0}', '203.0.113.10'),
    validate: (v) => (v.trim() === '' ? undefined : checkConfigWord(v.trim(), 'host')),
  });
}

/** The login user box; `validate` says whether it may stay empty. */
export function userStep(
  ui: StepInput,
  title: string,
  prompt: string,
  validate: (value: string) => string | undefined,
): Step<HostAnswers> {
  return textStep<keyof HostAnswers, HostAnswers>(ui, 'user', { title, prompt, validate });
}

/**
 * The alias box: refuses what can't be written (word rules, the user's own entry), and warns
 * once about an alias that would move our entry, capture a pattern's hosts or a real host name.
 * `knowsHostName`: the address is asked before the alias (Connect), so our entry pointing
 * elsewhere is told as a move; else (Add to SSH Config asks it after) as a replacement.
 */
export function aliasStep(
  ui: StepInput,
  spec: { title: string; configPath: string; entries: readonly ConfigEntry[]; knowsHostName: boolean },
): Step<HostAnswers> {
  let hostName: string | undefined;
  const warning = warnOnce((alias) => aliasWarning(alias, spec.entries, hostName));
  return textStep<keyof HostAnswers, HostAnswers>(ui, 'alias', {
    title: spec.title,
    prompt: l10n.t('Host alias: the name to type after "ssh" (entry in {0})', displayPath(spec.configPath)),
    validate: (v) => aliasProblem(v.trim(), spec.entries),
    check: (answers) => {
      hostName = spec.knowsHostName ? answers.hostName : undefined;
      return warning(answers.alias);
    },
  });
}

/** The blocks of the SSH config ssh reads (the target and what it includes); unreadable parts are told to `warn`. */
export async function readConfigEntries(configPath: string, warn: (line: string) => void): Promise<ConfigEntry[]> {
  const tree = await readConfigTree(configPath);
  for (const p of tree.problems) warn(`SSH config: ${p.path}: ${p.message}`);
  return configEntries(tree);
}

/**
 * The one writer of both commands: `entry` into `configPath`, unless our entry for its alias is
 * no longer what `entries` (read when the alias box was shown) said (outcome `taken`), or the
 * alias is the user's own entry (`exists`). Throws `SshConfigFileError` when the file can't be
 * written, and a plain Error for a value the entry can't carry.
 */
export function writeHostEntryAsSeen(
  configPath: string,
  entry: HostEntry,
  entries: readonly ConfigEntry[],
  home?: string,
): Promise<WriteHostEntryResult> {
  return writeHostEntry({
    configPath,
    entry,
    ourEntry: ourEntrySeen(entry.alias, entries),
    ...(home !== undefined ? { home } : {}),
  });
}
