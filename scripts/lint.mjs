// npm run lint: src/, test/ and bench/ type-checked under tsconfig.json (strict,
// noUncheckedIndexedAccess), ESLint (typescript-eslint, recommended + type-checked), Prettier's
// check, the l10n bundles against the strings in src/ (scripts/l10n.mjs --check), and a copy-paste check of src/ (jscpd: no block of 6 or more lines repeated). Each is one
// check; the last line says how many passed. `--fix` lets ESLint and Prettier fix what they can.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const fix = process.argv.includes('--fix');
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);
const CODE = [
  'src/**/*.ts',
  'test/**/*.ts',
  'bench/**/*.ts',
  'scripts/**/*.mjs',
  'eslint-rules/**/*.mjs',
  'test/fixtures/**/*.mjs',
];

const checks = [
  [
    'tsc (src, test, bench; strict, noUncheckedIndexedAccess)',
    [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json', '--noEmit'],
  ],
  ['eslint', [bin('eslint', 'bin/eslint.js'), '--max-warnings', '0', ...(fix ? ['--fix'] : []), '.']],
  ['prettier', [bin('prettier', 'bin/prettier.cjs'), fix ? '--write' : '--check', '--log-level', 'warn', ...CODE]],
  ['l10n bundles in sync with src', ['scripts/l10n.mjs', '--check']],
  [
    'jscpd (src)',
    [
      bin('jscpd', 'bin/jscpd'),
      '--min-lines',
      '6',
      '--threshold',
      '0',
      '--reporters',
      'console',
      '--silent',
      '--format',
      'typescript',
      'src',
    ],
  ],
];

let passed = 0;
let failed = 0;
for (const [name, args] of checks) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status === 0) {
    passed++;
    console.log(`lint: ${name} passed`);
  } else {
    failed++;
    console.error(`lint: ${name} failed (exit ${r.status ?? r.signal})`);
  }
}
console.log(`lint: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
