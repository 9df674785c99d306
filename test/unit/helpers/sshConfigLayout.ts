import * as fs from 'node:fs';
import * as path from 'node:path';
import { configEntries } from '../../../src/core/flows/hostEntry';
import { readConfigTree } from '../../../src/core/ssh/config/tree';
import { makeTempDir } from './keysTestUtil';

/** A main config that includes `<dir>/config.d/*` first, as many users do, with the given files. */
export function configLayout(
  cleanup: string[],
  main: string,
  included: Record<string, string> = {},
): { dir: string; config: string } {
  const dir = makeTempDir(cleanup);
  const config = path.join(dir, 'config');
  fs.mkdirSync(path.join(dir, 'config.d'));
  for (const [name, text] of Object.entries(included)) fs.writeFileSync(path.join(dir, 'config.d', name), text);
  fs.writeFileSync(config, `Include ${dir}/config.d/*\n\n${main}`, { mode: 0o600 });
  return { dir, config };
}

/** The entries of every file ssh reads from `config`, as Connect's plan sees them. */
export async function entriesOf(config: string, home: string): Promise<ReturnType<typeof configEntries>> {
  return configEntries(await readConfigTree(config, { home }));
}
