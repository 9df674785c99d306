/** A machine for the clouds.yaml readers: a workspace folder, a HOME and an /etc, in a temp folder. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudEntry, CloudsFound, findClouds } from '../../../src/core/api/cloudsConfig';
import { must } from '../../support/must';
import { tempDir } from './env';

export function machine(prefix = 'skp-clouds-') {
  const root = tempDir(prefix);
  const m = {
    root,
    cwd: path.join(root, 'work'),
    home: path.join(root, 'home'),
    etc: path.join(root, 'etc'),
    write(file: string, text: string): string {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      return file;
    },
    user: (name = 'clouds.yaml') => path.join(m.home, '.config', 'openstack', name),
    find: (env: NodeJS.ProcessEnv = {}) => findClouds({ cwd: m.cwd, home: m.home, etc: m.etc, env }),
  };
  for (const d of [m.cwd, m.home, m.etc]) fs.mkdirSync(d, { recursive: true });
  return m;
}

/** The cloud named `name` (the test fails when it is not found). */
export const cloud = (found: CloudsFound, name: string): CloudEntry =>
  must(
    found.clouds.find((c) => c.name === name),
    `cloud ${name}`,
  );
