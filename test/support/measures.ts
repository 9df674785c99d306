/**
 * Figures the e2e suite measures in a real VS Code, kept for `npm run bench`
 * (bench/uiMeasures.ts reads them): test-results/measures.json, one key per measure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const MEASURES = path.resolve(__dirname, '../../..', 'test-results', 'measures.json');

/** Adds or replaces one measure, keeping the others. */
export function recordMeasure(key: string, value: unknown): void {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(fs.readFileSync(MEASURES, 'utf8')) as Record<string, unknown>;
  } catch {
    // none yet, or unreadable: start over
  }
  all[key] = value;
  fs.mkdirSync(path.dirname(MEASURES), { recursive: true });
  fs.writeFileSync(MEASURES, `${JSON.stringify(all, null, 2)}\n`);
}
