/**
 * Key Pairs: Copy to Regions… — the pair's public key imported under the same name into other
 * Compute regions of the signed-in account (from its service catalog). A pick shows what each
 * region already holds; a region where another key has the name is left alone.
 */
import * as vscode from 'vscode';
import { describeError } from '../../core/wording/errorText';
import { copyToRegions, CopyResult, RegionHolding, regionStates } from '../../core/flows/copyToRegions';
import { log } from '../log';
import { showError } from '../messages';
import { CommandContext } from './context';
import { withCancellableProgress } from '../ui/progress';
import { BACK } from '../ui/userInput';
import { otherRegionTargets } from './regionTargets';
import { pickKeyPair } from './pickKeyPair';

export async function copyToRegionsCommand(ctx: CommandContext, arg?: unknown): Promise<CopyResult[] | undefined> {
  const found = await otherRegionTargets(
    ctx,
    vscode.l10n.t("Copy to Regions needs a sign-in: the regions come from your account's service catalog."),
  );
  if (!found) return undefined;
  const node = await pickKeyPair(ctx, arg, { title: vscode.l10n.t('Copy to Regions') });
  if (!node) return undefined;
  const pair = { name: node.keyPair.name, publicKey: node.keyPair.publicKey };
  const targets = found.targets;

  let states;
  try {
    states = await withCancellableProgress(
      vscode.l10n.t('Looking for "{0}" in the other regions…', pair.name),
      (signal) => regionStates(targets, pair, signal),
      ctx.signal,
    );
  } catch (err) {
    void showError(ctx.messages, err, vscode.l10n.t('Reading the other regions'));
    return undefined;
  }
  const answer = await ctx.ui.pickMany<string>({
    title: vscode.l10n.t('Copy "{0}" to Regions', pair.name),
    placeholder: vscode.l10n.t('Regions to import the public key into, under the same name'),
    items: states.map((s) => ({ label: s.region, ...describeHolding(s.holding, pair.name), value: s.region })),
  });
  if (answer === undefined || answer === BACK || answer.selected.length === 0) return undefined;
  const chosen = targets.filter((t) => answer.selected.includes(t.region));

  let results: CopyResult[];
  try {
    results = await withCancellableProgress(
      vscode.l10n.t('Copying "{0}" to {1}…', pair.name, answer.selected.join(', ')),
      (signal) => copyToRegions(chosen, pair, { signal, log: (line) => log.info(line) }),
      ctx.signal,
    );
  } catch (err) {
    void showError(ctx.messages, err, vscode.l10n.t('Copying "{0}"', pair.name));
    return undefined;
  }
  // The view's marks of other regions (if read) follow what was copied.
  ctx.services.keyPairList?.copiedToRegions?.(pair, results);
  const lines = results.map((r) => resultLine(r, pair.name));
  const troubled = results.some((r) => r.outcome.kind !== 'copied' && r.outcome.kind !== 'already-there');
  const said = [vscode.l10n.t('Copy of key pair "{0}" to other regions:', pair.name), ...lines].join(' ');
  void ctx.messages.show(troubled ? 'warning' : 'info', said);
  return results;
}

function describeHolding(holding: RegionHolding, name: string): { description: string; detail?: string } {
  switch (holding.kind) {
    case 'free':
      return { description: vscode.l10n.t('not there yet') };
    case 'key-elsewhere':
      return {
        description: vscode.l10n.t('not there yet'),
        detail: vscode.l10n.t('This public key is there as {0}.', holding.names.map((n) => `"${n}"`).join(', ')),
      };
    case 'same':
      return { description: vscode.l10n.t('already there (same public key)') };
    case 'name-taken':
      return {
        description: vscode.l10n.t('another key is named "{0}" there', name),
        detail: vscode.l10n.t('Fingerprint {0}. It is never overwritten.', holding.fingerprint),
      };
    case 'unknown':
      return {
        description: vscode.l10n.t('could not be read'),
        detail: describeError(holding.error).message,
      };
  }
}

function resultLine(r: CopyResult, name: string): string {
  switch (r.outcome.kind) {
    case 'copied':
      return vscode.l10n.t('{0}: copied.', r.region);
    case 'already-there':
      return vscode.l10n.t('{0}: already there.', r.region);
    case 'name-taken':
      return vscode.l10n.t('{0}: another key pair is named "{1}" there; it was left alone.', r.region, name);
    case 'key-type-refused':
      return vscode.l10n.t(
        '{0}: its Compute API refuses {1} keys (an older Nova); nothing was copied there. An RSA key pair can be copied.',
        r.region,
        r.outcome.keyType,
      );
    case 'failed':
      return vscode.l10n.t('{0}: failed ({1})', r.region, describeError(r.outcome.error).message);
  }
}
