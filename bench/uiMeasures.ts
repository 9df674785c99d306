/**
 * Figures the e2e suite measured in a real VS Code (code-server + Chromium), read from
 * test-results/measures.json (written by `npm run test:e2e`; the bench does not start a
 * browser itself). Absent figures are reported as such, never invented.
 */
import { promises as fs } from 'node:fs';

/** One figure for the bench table (bench/run.ts judges it against `budgetMs`). */
export interface UiFigure {
  id: string;
  label: string;
  valueMs: number;
  budgetMs?: number;
  note: string;
}

interface EnterToEditor {
  runs: { totalMs: number; postMs: number; floorMs: number }[];
  totalMs: number;
  postMs: number;
  floorMs: number;
  beyondMs: number;
  at: string;
}

interface Connect {
  clickToShellMs: number;
  clickToEntryWrittenMs?: number;
  clickToTerminalMs: number;
  plainSshMs: number;
  clickToLoginMs?: number;
  answeringMs?: number;
  connectLoginMs?: number;
  /** The floor Connect is judged against: the first terminal of a new window (cold, as Connect's was). */
  terminalFloorMs?: number;
  terminalFloorColdMs?: number;
  terminalFloorWarmMs?: number;
  /** Warm runs: more terminals in Connect's window. */
  terminalFloorRunsMs?: number[];
  terminalFloorArgs?: string[];
  /** Connect and its floor measured in rounds, each in a new window (the judged figures are their medians). */
  rounds?: { connectLoginMs: number; floorMs: number }[];
  /** The first Connect, in the window that created the key, against one cold floor after it. */
  inCreateWindow?: { connectLoginMs: number; terminalFloorColdMs: number; beyondFloorMs: number };
  loadAverage1m: number;
  at: string;
}

const ms = (value: number) => Math.round(value * 10) / 10;

/** The Enter → editor figures of the last e2e run, or a note that there are none. */
export async function uiFigures(file: string): Promise<{ figures: UiFigure[]; missing?: string }> {
  let all: { enterToEditor?: EnterToEditor; connect?: Connect };
  try {
    all = JSON.parse(await fs.readFile(file, 'utf8')) as typeof all;
  } catch {
    return { figures: [], missing: `no ${file}: run \`npm run test:e2e\` first` };
  }
  const figures: UiFigure[] = [];
  const c = all.connect;
  if (c) {
    const when = `e2e run of ${c.at}, load ${c.loadAverage1m}`;
    figures.push(
      {
        id: 'ui.connect',
        label: 'VS Code: Connect click → shell on the server',
        valueMs: ms(c.clickToShellMs),
        note:
          `${when}; host key verified against the console, no question to answer ` +
          `(entry written ${c.clickToEntryWrittenMs ?? '?'} ms, terminal shown ${c.clickToTerminalMs} ms after the click)`,
      },
      {
        id: 'ui.connectFloor',
        label: 'floor: plain `ssh -F config alias command`',
        valueMs: ms(c.plainSshMs),
        note: 'the same sshd in the same run, host key known',
      },
    );
    if (c.connectLoginMs !== undefined && c.terminalFloorMs !== undefined) {
      const rounds = c.rounds?.length
        ? `median of ${c.rounds.length} rounds in new windows (Connect/floor ms: ${c.rounds.map((r) => `${r.connectLoginMs}/${r.floorMs}`).join(', ')})`
        : 'one run';
      const first = c.inCreateWindow
        ? `; in the window that created the key ${c.inCreateWindow.connectLoginMs} ms against a cold floor of ${c.inCreateWindow.terminalFloorColdMs} ms (${c.inCreateWindow.beyondFloorMs} ms beyond)`
        : '';
      figures.push(
        {
          id: 'ui.connectLogin',
          label: 'VS Code: Connect click → login, steps not counted',
          valueMs: ms(c.connectLoginMs),
          note: `${when}; ${rounds}: click → sshd accepted the key ${c.clickToLoginMs} ms, less ${c.answeringMs} ms the test took to answer the 3 steps (to the Enter it sent); Connect's code loaded on first use in each window${first}`,
        },
        {
          id: 'ui.connectTerminalFloor',
          label: 'VS Code floor: key press → terminal running the same ssh logged in (cold)',
          valueMs: ms(c.terminalFloorMs),
          note:
            c.terminalFloorColdMs === undefined
              ? `createTerminal({ shellPath: 'ssh', … }) measured warm, after Connect (an older e2e run): rerun \`npm run test:e2e\``
              : `createTerminal({ shellPath: 'ssh', shellArgs: [${(c.terminalFloorArgs ?? []).map((a) => `'${a}'`).join(', ')}] }) from a test-only extension, the first terminal of a new window as Connect's was (${rounds}); warm (more terminals in one window) ${c.terminalFloorWarmMs ?? '?'} ms, runs ${(c.terminalFloorRunsMs ?? []).join(', ')} ms`,
        },
        {
          id: 'ui.connectBeyondFloor',
          label: "VS Code: Connect's time beyond its floor",
          valueMs: ms(c.connectLoginMs - c.terminalFloorMs),
          // Judged only against a cold floor: a warm one (older runs) is not what Connect's first terminal costs.
          ...(c.terminalFloorColdMs !== undefined && { budgetMs: 300 }),
          note:
            c.terminalFloorColdMs !== undefined
              ? `Connect click → login (steps not counted) − the cold terminal floor, the same run (${rounds}); budget 300 ms`
              : 'not judged: this run measured the floor warm only',
        },
      );
    }
  }
  const m = all.enterToEditor;
  if (!m) return { figures, missing: `${file} has no Enter → editor measure` };
  const when = `e2e run of ${m.at}, ${m.runs.length} creates`;
  return {
    figures: [
      ...figures,
      {
        id: 'ui.enterToEditor',
        label: 'VS Code: Enter → public key in the editor',
        valueMs: ms(m.totalMs),
        note: `${when}; server key, the emulator's POST took ${ms(m.postMs)} ms (median)`,
      },
      {
        id: 'ui.floor',
        label: 'VS Code floor: Enter in Go to File → same-size file shown',
        valueMs: ms(m.floorMs),
        note: 'the same host and browser in the same run, no network',
      },
      {
        id: 'ui.beyond',
        label: "VS Code: extension's own time (beyond floor and POST)",
        valueMs: ms(m.beyondMs),
        budgetMs: 50,
        note: 'median over the runs of (Enter → editor) − (POST) − (floor median)',
      },
    ],
  };
}
