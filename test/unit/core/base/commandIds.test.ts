/** The command ids the code uses are the ones package.json contributes, and every one is used. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND } from '../../../../src/core/base/commandIds';

const ROOT = path.resolve(__dirname, '../../../../..');

describe('command ids (src/core/base/commandIds.ts)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { commands: Array<{ command: string }> };
  };

  it('match the contributed commands one to one', () => {
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(Object.values(COMMAND).sort(), contributed);
  });

  it('are never spelled as a string literal elsewhere in src', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts') && entry.name !== 'commandIds.ts') {
          for (const id of Object.values(COMMAND)) {
            if (fs.readFileSync(file, 'utf8').includes(`'${id}'`))
              offenders.push(`${path.relative(ROOT, file)}: ${id}`);
          }
        }
      }
    };
    walk(path.join(ROOT, 'src'));
    assert.deepEqual(offenders, []);
  });
});
