/**
 * The inline name check: time per keystroke with 10,000 names in the account, and the
 * requests a typing session sends (must be none).
 * - `validatorPerKeystroke`: validateName() on the sets nameSets() builds, alone;
 * - `typingSession`: the real name box (src/shell/ui/nameInput.ts, on the vscode stand-in) opened
 *   with the create command's loader (ComputeClient.listAll) against the emulator; once the
 *   names are loaded, keystrokes go through the box's change handler, and the requests are
 *   counted around them twice: in the emulator's request log and in undici's
 *   `undici:request:create` channel on this side.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { ComputeClient } from '../src/core/api/compute';
import { HttpClient } from '../src/core/api/http';
import { nameSets, validateName } from '../src/core/flows/validateName';
import type * as NameInput from '../src/shell/ui/nameInput';
import { EmulatorProcess } from './emulator';
import { median, quantile } from './stats';
import { FakeInputBox, VscodeStub } from './vscodeStub';
import { must } from '../test/support/must';

/** What a user types: new names, a taken one, a case variant, one with a bad character. */
const TYPED = ['web-server-production-01', 'seed-05000', 'SEED-07777', 'db backup key', 'deploy@ci', 'a'.repeat(40)];

function keystrokes(): string[] {
  const out: string[] = [];
  for (const name of TYPED) for (let i = 1; i <= name.length; i++) out.push(name.slice(0, i));
  // and back-space the last one away
  const last = must(TYPED.at(-1), 'a typed name');
  for (let i = last.length - 1; i >= 0; i--) out.push(last.slice(0, i));
  return out;
}

export function seededNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `seed-${String(i + 1).padStart(5, '0')}`);
}

export interface ValidatorResult {
  names: number;
  keystrokes: number;
  sessions: number;
  medianUs: number;
  p99Us: number;
  setsBuildMs: number;
}

/** validateName per keystroke, in µs: each of `sessions` typing sessions timed as a whole. */
export function measureValidator(names: string[], sessions = 200): ValidatorResult {
  const t0 = performance.now();
  const sets = nameSets(names);
  const setsBuildMs = performance.now() - t0;
  const files = new Set(['config', 'known_hosts', 'id_ed25519', 'id_ed25519.pub', 'web-server-production-01.pub']);
  const ctx = { microversion: '2.35', ...sets, files, directoryShown: '~/.ssh' };
  const keys = keystrokes();
  const perKey: number[] = [];
  let sink = 0;
  for (let s = 0; s < sessions; s++) {
    const t = performance.now();
    for (const k of keys) sink += validateName(k, ctx).message.length;
    perKey.push(((performance.now() - t) * 1000) / keys.length);
  }
  if (sink === 0) throw new Error('unreachable');
  return {
    names: names.length,
    keystrokes: keys.length,
    sessions,
    medianUs: median(perKey),
    p99Us: quantile(perKey, 0.99),
    setsBuildMs,
  };
}

export interface TypingSessionResult {
  namesLoaded: number;
  loadRequests: number;
  keystrokes: number;
  medianUs: number;
  emulatorRequestsWhileTyping: number;
  clientRequestsWhileTyping: number;
  requestsPerKeystroke: number;
}

export async function measureTypingSession(
  emu: EmulatorProcess,
  token: string,
  stub: VscodeStub,
  sessions = 20,
): Promise<TypingSessionResult> {
  const { askKeyPairName } = require('../src/shell/ui/nameInput') as typeof NameInput;
  const http = new HttpClient({ maxBodyBytes: 16 * 1024 * 1024, log: () => undefined });
  const compute = new ComputeClient({
    endpoint: emu.computeUrl,
    http,
    auth: { canRenew: false, token: async () => token },
  });
  let clientRequests = 0;
  // Requests to the Compute API (Node's own fetch, used for the emulator's control routes, publishes here too).
  const onCreate = (m: unknown) => {
    if (!(m as { request: { path: string } }).request.path.startsWith('/_emulator')) clientRequests++;
  };
  subscribe('undici:request:create', onCreate);
  try {
    const version = await compute.version();
    const window = stub.module.window as { createInputBox(): FakeInputBox };
    const fake = window.createInputBox();
    const handle = { box: fake, typed: (value: string) => (fake.type as (v: string) => void).call(fake, value) };
    const before = await emu.requestCount();
    let loaded = 0;
    const answer = askKeyPairName(fake as never, {
      title: 'Create Server Key Pair',
      sshDirectory: '/nonexistent-bench-dir',
      microversion: version.microversion,
      loadNames: async (signal) => {
        const names = (await compute.listAll({ signal })).map((k) => k.name);
        loaded = names.length;
        return names;
      },
    });
    const box = () => handle?.box as unknown as { busy: boolean; validationMessage?: { message: string } };
    for (const t0 = Date.now(); box().busy;) {
      if (Date.now() - t0 > 30_000) throw new Error('the name box did not finish loading');
      await new Promise((r) => setTimeout(r, 5));
    }
    const loadRequests = (await emu.requestCount()) - before;

    const atTyping = await emu.requestCount();
    const clientAtTyping = clientRequests;
    const keys = keystrokes();
    const perKey: number[] = [];
    for (let s = 0; s < sessions; s++) {
      const t = performance.now();
      for (const k of keys) handle.typed(k);
      perKey.push(((performance.now() - t) * 1000) / keys.length);
      // let anything a keystroke might have started run before counting
      await new Promise((r) => setImmediate(r));
    }
    handle.typed('seed-05000');
    if (!box().validationMessage?.message.includes('already exists'))
      throw new Error('the box did not see the taken name');
    await new Promise((r) => setTimeout(r, 50));
    const clientWhileTyping = clientRequests - clientAtTyping;
    const emulatorWhileTyping = (await emu.requestCount()) - atTyping;
    (handle.box as unknown as { hide(): void }).hide();
    await answer;
    if (!stub.record.calls['window.createInputBox']) throw new Error('the name box was not created on the stand-in');
    const typed = keys.length * sessions + 1;
    return {
      namesLoaded: loaded,
      loadRequests,
      keystrokes: typed,
      medianUs: median(perKey),
      emulatorRequestsWhileTyping: emulatorWhileTyping,
      clientRequestsWhileTyping: clientWhileTyping,
      requestsPerKeystroke: Math.max(emulatorWhileTyping, clientWhileTyping) / typed,
    };
  } finally {
    unsubscribe('undici:request:create', onCreate);
    await http.close();
  }
}
