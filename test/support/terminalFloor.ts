/**
 * The floor of Connect in a real VS Code: what opening a terminal that runs `ssh` costs when
 * nothing else happens. A tiny test-only extension (never shipped; built into a .vsix here and
 * installed beside the extension under test) has one command that opens, through VS Code's
 * API as Connect does, `vscode.window.createTerminal({ shellPath: 'ssh', shellArgs })` and
 * shows it. A key binding runs it (ctrl+alt+shift+f10, also from a focused terminal): the test
 * presses the key as it clicks Connect, so both start from a user's input in the workbench.
 * The command is in no menu and hidden from the palette. Its ssh arguments are read, when it
 * runs, from a file the test writes (`setArgs`): the test gives it the very arguments Connect's
 * terminal ran with. Each activation (one per window's extension host) appends a line to a
 * file (`activations`), so the test knows a fresh window's floor command is ready.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createVSIX } from '@vscode/vsce';

export const FLOOR_COMMAND = 'keypairsFloor.sshTerminal';
export const FLOOR_KEY = 'Control+Alt+Shift+F10';
/** The terminal's name, as its tab shows it. */
export const FLOOR_TERMINAL = 'floor-ssh';

/**
 * Settings the workbench needs: the key reaches the command while a terminal has focus; and a
 * new window of the same folder starts with no terminal (no session of a closed window revived
 * into it, whose text the floor would read instead of its own terminal's).
 */
export const FLOOR_USER_SETTINGS = {
  'terminal.integrated.commandsToSkipShell': [FLOOR_COMMAND],
  'terminal.integrated.enablePersistentSessions': false,
};

export interface FloorExtension {
  vsix: string;
  /** What the next terminal runs: `ssh <args…>`. */
  setArgs(args: readonly string[]): void;
  /** How many times the extension has been activated (once in each window's extension host). */
  activations(): number;
}

/** Builds the floor extension into `dir` and packages it. */
export async function buildFloorExtension(dir: string): Promise<FloorExtension> {
  const argsFile = path.join(dir, 'floor-ssh-args.json');
  const activationsFile = path.join(dir, 'floor-activations.log');
  const ext = path.join(dir, 'floor-extension');
  fs.mkdirSync(ext, { recursive: true });
  const manifest = {
    name: 'keypairs-terminal-floor',
    displayName: 'Key Pairs test floor',
    description: 'Test only: opens a terminal running ssh, as Connect does, to measure the floor.',
    version: '0.0.1',
    publisher: 'keypairs-test',
    license: 'MIT',
    repository: { type: 'git', url: 'https://example.invalid/x.git' },
    engines: { vscode: '^1.90.0' },
    main: './extension.js',
    extensionKind: ['workspace'],
    activationEvents: ['onStartupFinished'],
    contributes: {
      commands: [{ command: FLOOR_COMMAND, title: 'Open the ssh terminal (test floor)' }],
      menus: { commandPalette: [{ command: FLOOR_COMMAND, when: 'false' }] },
      keybindings: [{ command: FLOOR_COMMAND, key: 'ctrl+alt+shift+f10' }],
    },
  };
  const files: Record<string, string> = {
    'package.json': JSON.stringify(manifest, null, 2),
    'README.md': '# Test floor\n',
    LICENSE: 'MIT\n',
    'extension.js': `const vscode = require('vscode');
exports.activate = (context) => {
  require('fs').appendFileSync(${JSON.stringify(activationsFile)}, Date.now() + '\\n');
  context.subscriptions.push(vscode.commands.registerCommand(${JSON.stringify(FLOOR_COMMAND)}, () => {
    const SSH_ARGS = JSON.parse(require('fs').readFileSync(${JSON.stringify(argsFile)}, 'utf8'));
    const terminal = vscode.window.createTerminal({ name: ${JSON.stringify(FLOOR_TERMINAL)}, shellPath: 'ssh', shellArgs: SSH_ARGS });
    terminal.show();
  }));
};
`,
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(ext, name), text);
  const vsix = path.join(dir, 'keypairs-terminal-floor.vsix');
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = () => undefined; // vsce lists the packaged files
  try {
    await createVSIX({ cwd: ext, packagePath: vsix, dependencies: false });
  } finally {
    Object.assign(console, saved);
  }
  return {
    vsix,
    setArgs: (args) => fs.writeFileSync(argsFile, JSON.stringify(args)),
    activations: () => {
      try {
        return fs.readFileSync(activationsFile, 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
  };
}

/**
 * The arguments of the running `ssh` processes whose last argument is `alias` (from /proc), e.g.
 * the one Connect's terminal started: what the floor's terminal then runs.
 */
export function sshArgsRunningFor(alias: string): string[][] {
  const found: string[][] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    } catch {
      continue; // gone, or not ours to read
    }
    if (argv.length > 1 && path.basename(argv[0] ?? '') === 'ssh' && argv[argv.length - 1] === alias)
      found.push(argv.slice(1));
  }
  return found;
}
