// Property test (fast-check): no name the inline check accepts for a new key pair maps to a
// file OpenSSH or sshd reads by name, to a private key ending in ".pub", to a Windows device
// name, or to an existing file of the SSH folder (in any case, with or without a trailing dot).
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateName } from '../../../../src/core/flows/validateName';
import { keyFileName } from '../../../../src/core/keys/names';

/** Stated here independently of src/: what OpenSSH's client and sshd read in ~/.ssh by name. */
const OPENSSH = [
  'config',
  'authorized_keys',
  'authorized_keys2',
  'known_hosts',
  'known_hosts2',
  'known_hosts.old',
  'rc',
  'environment',
  'agent.sock',
];
const DEVICES = ['con', 'prn', 'aux', 'nul', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`com${n}`, `lpt${n}`])];
const EXISTING = ['id_ed25519', 'id_ed25519.pub', 'Work', 'a', 'a.pub', 'deploy_key.pub'];

/** How a file system that ignores case and trailing dots (macOS, Windows) sees a file name. */
const fold = (file: string) => file.replace(/[. ]+$/, '').toLowerCase();

function isForbidden(file: string, publicKey: boolean): boolean {
  const f = fold(file);
  if (OPENSSH.includes(f) || (!publicKey && f.endsWith('.pub'))) return true;
  if (DEVICES.includes(f.replace(/\..*$/s, ''))) return true;
  return EXISTING.some((e) => fold(e) === f);
}

/** Names built from the dangerous pieces, in mixed case, with spaces for "_" and trailing dots. */
const piece = fc.constantFrom(
  ...OPENSSH,
  ...DEVICES,
  ...EXISTING,
  '.pub',
  '.PUB',
  'pub',
  '.',
  '_',
  ' ',
  'x',
  'keys',
  '-',
);
const mixedCase = (s: string, mask: number) =>
  [...s].map((c, i) => ((mask >> (i % 30)) & 1 ? c.toUpperCase() : c)).join('');
const names = fc
  .tuple(
    fc.array(piece, { minLength: 1, maxLength: 3 }),
    fc.integer({ min: 0, max: 2 ** 30 - 1 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([parts, mask, spaces, dot]) => {
    let name = mixedCase(parts.join(''), mask);
    if (spaces) name = name.replace(/_/g, ' ');
    return dot ? `${name}.` : name;
  });

describe('validateName property: accepted names never map to a reserved or existing file (#10.1)', function () {
  this.timeout(60_000);

  it('holds for 20000 names built from the dangerous pieces', () => {
    const files = new Set(EXISTING);
    let accepted = 0;
    let refusedReserved = 0;
    fc.assert(
      fc.property(names, (name) => {
        const verdict = validateName(name, { microversion: '2.92', files, directoryShown: '~/.ssh' });
        if (verdict.severity === 'error') {
          refusedReserved++;
          return true;
        }
        accepted++;
        const file = keyFileName(name);
        return !isForbidden(file, false) && !isForbidden(`${file}.pub`, true);
      }),
      { numRuns: 20_000, seed: 20261203 },
    );
    // Both answers are common, so the property is really exercised.
    assert.ok(accepted > 2000 && refusedReserved > 2000, `accepted ${accepted}, refused ${refusedReserved}`);
  });
});
