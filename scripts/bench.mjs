// `npm run bench [-- args]`: compiles (tsc), builds the production bundle and the .vsix
// fresh (scripts/package.mjs), then runs the benchmark (bench/run.ts → out/bench/run.js).
// Arguments go to the benchmark; see bench/run.ts. Exit status 1 when a budget is missed.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
process.chdir(root);

// Type errors in the code the benchmark runs stop it; elsewhere (e.g. a test being
// written) they are shown and the emitted JavaScript is used.
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.'], { encoding: 'utf8' });
const errors = (tsc.stdout + tsc.stderr).split('\n').filter((l) => /error TS\d+/.test(l));
if (errors.length > 0) {
  console.error(errors.join('\n'));
  const blocking = errors.filter((l) => /^(src|bench|test\/emulator)\//.test(l));
  if (blocking.length > 0 || tsc.error) {
    console.error('bench: type errors in the code it measures; fix them first.');
    process.exit(1);
  }
  console.error(`bench: ${errors.length} type error(s) outside src/, bench/ and test/emulator/ ignored.`);
} else if (tsc.status !== 0) {
  console.error(tsc.stdout + tsc.stderr);
  process.exit(1);
}

const pkg = spawnSync(process.execPath, ['scripts/package.mjs'], { stdio: ['ignore', 'inherit', 'inherit'] });
if (pkg.status !== 0) process.exit(pkg.status ?? 1);

const run = spawnSync(process.execPath, ['out/bench/run.js', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
