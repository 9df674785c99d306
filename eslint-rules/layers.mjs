// The layers of src/, as lint rules by path (the way VS Code's own code-layering rule works):
//
//   src/extension.ts  ->  src/shell/  ->  src/core/
//
// A file under src/core may not import `vscode`, src/shell or src/extension.ts (nothing outside
// src/core at all), and the folders of the core import one way only:
//
//   wording -> flows -> api, ssh -> servers -> keys -> base      (ask: flows -> ask -> base)
//
// CORE_ORDER says what each core folder may import besides itself; every other core folder is
// refused. ESLint's no-restricted-imports sees the specifier as written, so the patterns are
// made per depth below the folder (`../api/x` from src/core/keys/a.ts, `../../api/x` from
// src/core/keys/sub/a.ts). The import cycle rule (no-import-cycles.mjs) covers all of src.
import noImportCycles from './no-import-cycles.mjs';

/** Each core folder, and the core folders it may import (besides its own files). */
export const CORE_ORDER = {
  wording: ['flows', 'api', 'ssh', 'servers', 'keys', 'ask', 'base'],
  flows: ['api', 'ssh', 'servers', 'keys', 'ask', 'base'],
  api: ['servers', 'keys', 'base'],
  ssh: ['servers', 'keys', 'base'],
  servers: ['keys', 'base'],
  keys: ['base'],
  ask: ['base'],
  base: [],
};

/** Folders below a core folder that its files may sit in (src/core/ssh/config/parse.ts is 2). */
const DEPTHS = [1, 2, 3, 4];

const up = (levels) => `^(\\.\\./){${levels}}`;
const VSCODE = {
  name: 'vscode',
  message: 'The core runs in plain Node: no `vscode` here. Let the shell (src/shell) ask and tell.',
};

function coreFolder(folder, depth) {
  const refused = Object.keys(CORE_ORDER).filter((other) => other !== folder && !CORE_ORDER[folder].includes(other));
  const allowed = CORE_ORDER[folder].length ? CORE_ORDER[folder].map((f) => `core/${f}`).join(', ') : 'nothing else';
  const patterns = [
    {
      regex: `${up(depth + 1)}`,
      message:
        'The core (src/core) may not import the shell, src/extension.ts or anything else outside src/core: ' +
        'the shell calls the core, never the reverse.',
    },
  ];
  if (refused.length) {
    patterns.push({
      regex: `${up(depth)}(${refused.join('|')})(/|$)`,
      message: `core/${folder} may import ${allowed} (one-way order: wording -> flows -> api, ssh -> servers -> keys -> base; flows -> ask -> base).`,
    });
  }
  return {
    files: [`src/core/${folder}/${'*/'.repeat(depth - 1)}*.ts`],
    rules: { 'no-restricted-imports': ['error', { paths: [VSCODE], patterns }] },
  };
}

/** The flat-config entries: the layering by path, and no import cycles anywhere in src. */
export const layers = [
  {
    files: ['src/core/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [VSCODE], patterns: [{ regex: up(1), message: 'The core may not import outside src/core.' }] },
      ],
    },
  },
  ...Object.keys(CORE_ORDER).flatMap((folder) => DEPTHS.map((depth) => coreFolder(folder, depth))),
  {
    // The shell is registered by src/extension.ts; it never reaches back up to it.
    files: ['src/shell/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+extension$',
              message: 'src/extension.ts registers the shell; the shell may not import it (pass what it needs in).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { local: { rules: { 'no-import-cycles': noImportCycles } } },
    rules: { 'local/no-import-cycles': 'error' },
  },
];
