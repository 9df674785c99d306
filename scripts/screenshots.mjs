// `npm run screenshots`: copies the screenshots the e2e suite took (test-results/screenshots,
// ignored by git) to media/screenshots, which the README shows. Tests never write there
// themselves: run `npm run test:e2e` first, then this, and commit the pictures on purpose.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const from = path.join(root, 'test-results', 'screenshots');
const to = path.join(root, 'media', 'screenshots');
const shots = existsSync(from) ? readdirSync(from).filter((f) => f.endsWith('.png')) : [];
if (shots.length === 0) {
  console.error(`No screenshots in ${path.relative(root, from)}: run \`npm run test:e2e\` first.`);
  process.exit(1);
}
mkdirSync(to, { recursive: true });
for (const f of shots) copyFileSync(path.join(from, f), path.join(to, f));
console.log(`Copied ${shots.length} screenshots to ${path.relative(root, to)}.`);
