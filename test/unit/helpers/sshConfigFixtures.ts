/** The config and entry the ssh/config unit tests share. */
import { HOST_ENTRY_MARKER, HostEntry } from '../../../src/core/ssh/config/hostEntry';

export const HOME = '/home/ann';
export const EXISTING = [
  '# My config',
  'Include ~/.ssh/config.d/*',
  '',
  'Host work-*  # all work hosts',
  '    User alice',
  '',
  'Match host bastion exec "test -f /tmp/x"',
  '    ForwardAgent no',
  '',
  'Host=jump gateway',
  '\tHostName 10.0.0.1',
  '',
  'Match originalhost db1,db2 user bob',
  '  Port 2222',
  '# Host commented-out',
  'Host *',
  '  ServerAliveInterval 30',
].join('\n');

/** The block planHostEntry writes, with `indent` and `eol`. */
export function block(lines: string[], indent = '  ', eol = '\n'): string {
  const [host, ...options] = lines;
  return [host, `${indent}${HOST_ENTRY_MARKER}`, ...options.map((l) => `${indent}${l}`)].join(eol) + eol;
}

export const entry = (over: Partial<HostEntry> = {}): HostEntry => ({
  alias: 'web1',
  identityFile: `${HOME}/.ssh/web1`,
  ...over,
});
