/**
 * Key Pairs: Check Other Regions — reads the key pairs of the signed-in account's other Compute
 * regions once, and the Key Pairs view marks each pair whose public key (or name) is also there.
 * Read when asked, never on a view refresh; run again to read again. A region that cannot be
 * read is named, with why.
 */
import * as vscode from 'vscode';
import type { KeyPair } from '../../core/api/compute';
import { CopyResult, OtherRegions, PairToCopy, readOtherRegions } from '../../core/flows/copyToRegions';
import type { RegionMarks } from '../../core/flows/keyPairList';
import { describeError } from '../../core/wording/errorText';
import { showError } from '../messages';
import { confirmQuietly } from '../ui/quiet';
import { withCancellableProgress } from '../ui/progress';
import { CommandContext } from './context';
import { otherRegionTargets } from './regionTargets';

export async function checkOtherRegionsCommand(ctx: CommandContext): Promise<OtherRegions | undefined> {
  const found = await otherRegionTargets(
    ctx,
    vscode.l10n.t("Check Other Regions needs a sign-in: the regions come from your account's service catalog."),
  );
  if (!found) return undefined;
  const names = found.targets.map((t) => t.region).join(', ');
  let regions: OtherRegions;
  try {
    regions = await withCancellableProgress(vscode.l10n.t('Reading the key pairs of {0}…', names), (signal) =>
      readOtherRegions(found.targets, signal),
    );
  } catch (err) {
    void showError(ctx.messages, err, vscode.l10n.t('Reading the other regions'));
    return undefined;
  }
  // Signed out or another region chosen meanwhile: what was read is about another target.
  if (ctx.services.region() !== found.here || !ctx.services.account.profile()) return undefined;
  const failures = regions.failed.map((f) =>
    vscode.l10n.t('{0} could not be read: {1}', f.region, describeError(f.error).message),
  );
  ctx.services.keyPairList?.showOtherRegions?.(new Marks(regions, failures));
  if (failures.length > 0) {
    const intro = vscode.l10n.t('The key pairs of some regions are not known; the view marks only what was read.');
    void ctx.messages.show('warning', [intro, ...failures].join(' '));
  } else {
    confirmQuietly(vscode.l10n.t('Compared with the key pairs of {0}.', names));
  }
  return regions;
}

/** What the view shows of the other regions read: the wording of {@link OtherRegions}. */
class Marks implements RegionMarks {
  readonly summary: string;
  private readonly readAt: string;

  constructor(
    private readonly regions: OtherRegions,
    failures: string[],
  ) {
    // When: another window may have deleted or copied since; the marks are what was read then.
    const at = regions.readAt.toLocaleTimeString(vscode.env.language, { hour: '2-digit', minute: '2-digit' });
    this.readAt = at;
    const read = regions.regions.length
      ? [vscode.l10n.t('Other regions checked at {0}: {1}.', at, regions.regions.join(', '))]
      : [];
    this.summary = [...read, ...failures].join(' ');
  }

  marks(pair: KeyPair): string[] {
    const e = this.regions.of(pair);
    const marks: string[] = [];
    if (e.sameKey.length) marks.push(vscode.l10n.t('also in {0}', e.sameKey.map((r) => r.region).join(', ')));
    if (e.sameNameOtherKey.length) {
      const where = e.sameNameOtherKey.map((r) => r.region).join(', ');
      marks.push(vscode.l10n.t('same name, different key in {0}', where));
    }
    return marks;
  }

  rows(pair: KeyPair): Array<[string, string]> {
    const e = this.regions.of(pair);
    const rows: Array<[string, string]> = [];
    const sameKey = e.sameKey.map((r) =>
      r.names.length === 1 && r.names[0] === pair.name
        ? r.region
        : vscode.l10n.t('{0} (as {1})', r.region, r.names.map((n) => `"${n}"`).join(', ')),
    );
    const marked = new Set([...e.sameKey, ...e.sameNameOtherKey].map((r) => r.region));
    const absent = this.regions.regions.filter((r) => !marked.has(r));
    if (sameKey.length) rows.push([vscode.l10n.t('Same public key in'), sameKey.join(', ')]);
    if (e.sameNameOtherKey.length) {
      const others = e.sameNameOtherKey.map((r) => (r.fingerprint ? `${r.region} (${r.fingerprint})` : r.region));
      rows.push([vscode.l10n.t('A different key has this name in'), others.join(', ')]);
    }
    if (absent.length) rows.push([vscode.l10n.t('Not in'), absent.join(', ')]);
    if (e.unread.length) rows.push([vscode.l10n.t('Could not be read'), e.unread.join(', ')]);
    if (rows.length) rows.push([vscode.l10n.t('Other regions read at'), this.readAt]);
    return rows;
  }

  recordCopy(pair: PairToCopy, results: readonly CopyResult[]): void {
    this.regions.recordCopy(pair, results);
  }
}
