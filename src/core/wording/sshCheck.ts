/**
 * The wording of the `ssh -G` check of a written Host entry: whether `ssh <alias>` uses it.
 */
import * as l10n from '../base/l10n';
import { displayPath } from '../keys/keyFiles';
import type { SshCheck, SshOptionDifference } from '../ssh/config/check';

/**
 * The sentence after "Added Host …" / "Updated Host …": whether `ssh <alias>` really uses
 * the entry, as `ssh -G` resolved it. `warning` when another entry still wins.
 */
export function describeSshCheck(check: SshCheck, alias: string): { severity: 'info' | 'warning'; text: string } {
  switch (check.status) {
    case 'effective':
      return { severity: 'info', text: l10n.t('ssh -G confirms that "ssh {0}" uses it.', alias) };
    case 'not-checked':
      return {
        severity: 'info',
        text:
          check.reason === 'no-ssh'
            ? l10n.t('It was not checked: no ssh command was found.')
            : check.detail
              ? l10n.t('It could not be checked with ssh -G: {0}', check.detail)
              : l10n.t('It could not be checked with ssh -G.'),
      };
    case 'overridden': {
      const shown = (d: SshOptionDifference, v: string) => (d.option === 'IdentityFile' ? displayPath(v) : v);
      const parts = check.differences.map((d) =>
        d.option === 'IdentityFile'
          ? l10n.t('IdentityFile {0} is tried first, not {1}', shown(d, d.actual), shown(d, d.expected))
          : l10n.t('{0} is {1}, not {2}', d.option, d.actual, d.expected),
      );
      return {
        severity: 'warning',
        text:
          l10n.t(
            'But another entry still wins for "ssh {0}" (ssh uses the first value it finds): {1}. ',
            alias,
            parts.join('; '),
          ) + l10n.t('Change or move the entry that sets these.'),
      };
    }
  }
}
