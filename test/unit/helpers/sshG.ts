import { execFileSync } from 'node:child_process';

/** What the real ssh resolves for `alias` from `config` alone (-F: neither the account's nor the system's config). */
export function sshG(config: string, alias: string): Map<string, string[]> {
  const out = execFileSync('ssh', ['-G', '-F', config, '--', alias], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const options = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const m = /^(\S+) (.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] ?? '').toLowerCase();
    options.set(key, [...(options.get(key) ?? []), m[2] ?? '']);
  }
  return options;
}
