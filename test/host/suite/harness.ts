/**
 * What the in-host tests share: the extension's Test-mode seams (name box, prompts,
 * messages, log), and the emulator's control API (reached over HTTP from the host).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CreateKeyPairResult } from '../../../src/flows/createKeyPair';
import type { NameInputHandle } from '../../../src/ui/nameInput';
import type { Prompt } from '../../../src/ui/prompts';
import type { ShownMessage } from '../../../src/ui/notify';

export const EXTENSION_ID = 'server-keypairs.server-keypairs';
export const TOKEN = 'host-test-token';
const EMULATOR = process.env.KEYPAIRS_EMULATOR!;

interface Testing {
  tapLog(fn: ((line: string) => void) | undefined): void;
  setMessageHooks(h: { tap?: (m: ShownMessage) => void; responder?: (m: ShownMessage) => string | undefined }): void;
  setPromptResponder(fn: ((p: Prompt) => unknown) | undefined): void;
  onNameInputShown(fn: ((h: NameInputHandle) => void) | undefined): void;
  globalState(): Record<string, unknown>;
  readSecret(key: string): Thenable<string | undefined>;
}

export async function testing(): Promise<Testing> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  const api = (await ext.activate()) as { testing?: Testing } | undefined;
  assert.ok(api?.testing, 'Test-mode API present');
  return api.testing;
}

/** Messages shown and log lines written during a test; answers to messages and prompts. */
export class Recorder {
  readonly messages: ShownMessage[] = [];
  readonly log: string[] = [];
  readonly prompts: Prompt[] = [];
  /** Answer to a message: return an action title, or undefined to dismiss. */
  answerMessage: (m: ShownMessage) => string | undefined = () => undefined;
  /** Answer to a prompt (input box text, quick pick item, file). */
  answerPrompt: (p: Prompt) => unknown = () => undefined;
  private names: NameInputHandle[] = [];
  private nameWaiters: Array<(h: NameInputHandle) => void> = [];

  async install(): Promise<void> {
    const t = await testing();
    t.tapLog((l) => this.log.push(l));
    t.setMessageHooks({ tap: (m) => this.messages.push(m), responder: (m) => this.answerMessage(m) });
    t.setPromptResponder((p) => {
      this.prompts.push(p);
      return this.answerPrompt(p);
    });
    t.onNameInputShown((h) => {
      const w = this.nameWaiters.shift();
      if (w) w(h);
      else this.names.push(h);
    });
  }

  async uninstall(): Promise<void> {
    const t = await testing();
    t.tapLog(undefined);
    t.setMessageHooks({});
    t.setPromptResponder(undefined);
    t.onNameInputShown(undefined);
  }

  /** Forgets what earlier tests saw (messages, prompts, name boxes nobody waited for). */
  reset(): void {
    this.messages.length = 0;
    this.log.length = 0;
    this.prompts.length = 0;
    this.names = [];
    this.answerMessage = () => undefined;
    this.answerPrompt = () => undefined;
  }

  /** The next name box that opens. */
  nextNameInput(): Promise<NameInputHandle> {
    const ready = this.names.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.nameWaiters.push(resolve));
  }

  /** Runs Set API Token, answering its password box with `token`. */
  async setToken(token: string): Promise<void> {
    this.answerPrompt = (p) => (p.kind === 'input' && p.options.password ? token : undefined);
    assert.equal(await vscode.commands.executeCommand('keypairs.setToken'), true);
    this.answerPrompt = () => undefined;
  }

  /** Runs Create Server Key Pair, typing `name` once the box has loaded the account's names. */
  async create(name: string): Promise<CreateKeyPairResult | undefined> {
    const running = vscode.commands.executeCommand<CreateKeyPairResult | undefined>('keypairs.create');
    const box = await this.nextNameInput();
    await whenLoaded(box);
    box.typed(name);
    box.accept();
    return running;
  }

  /** Resolves when a message matching `re` has been shown. */
  async waitForMessage(re: RegExp, timeoutMs = 10_000): Promise<ShownMessage> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find((x) => re.test(x.message));
      if (m) return m;
      if (Date.now() > end) assert.fail(`no message matching ${re}; shown: ${JSON.stringify(this.messages.map((x) => x.message))}`);
      await sleep(50);
    }
  }
}

/**
 * A Recorder for one `describe` block: installed before its tests, removed after, and
 * before each test the emulator is reset and what earlier tests saw is forgotten.
 */
export function useRecorder(): Recorder {
  const rec = new Recorder();
  before(() => rec.install());
  after(() => rec.uninstall());
  beforeEach(async () => {
    await emulator.reset();
    rec.reset();
  });
  return rec;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until the box has loaded the account's names (it is busy until then). */
export async function whenLoaded(h: NameInputHandle): Promise<void> {
  for (let i = 0; h.box.busy && i < 200; i++) await sleep(25);
  assert.equal(h.box.busy, false, 'name box finished loading');
}

export function validation(h: NameInputHandle): { message: string; severity: string } | undefined {
  const v = h.box.validationMessage;
  if (v === undefined) return undefined;
  if (typeof v === 'string') return { message: v, severity: 'error' };
  return { message: v.message, severity: vscode.InputBoxValidationSeverity[v.severity] };
}

/** The emulator's control API. */
export const emulator = {
  async state(): Promise<{ keypairs: Record<string, Record<string, Array<{ name: string; fingerprint: string }>>> }> {
    return (await fetch(`${EMULATOR}/_emulator/state`)).json() as never;
  },
  async names(): Promise<string[]> {
    const s = await emulator.state();
    return Object.values(s.keypairs).flatMap((scopes) => Object.values(scopes).flat().map((k) => k.name)).sort();
  },
  async requests(): Promise<Array<{ method: string; path: string; status: number; headers: Record<string, string> }>> {
    return ((await (await fetch(`${EMULATOR}/_emulator/requests`)).json()) as { requests: never }).requests;
  },
  async reset(): Promise<void> {
    await fetch(`${EMULATOR}/_emulator/reset`, { method: 'POST' });
  },
  async fault(f: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${EMULATOR}/_emulator/faults`, { method: 'POST', body: JSON.stringify(f), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 201, 'fault accepted');
  },
  async options(o: Record<string, unknown>): Promise<void> {
    await fetch(`${EMULATOR}/_emulator/options`, { method: 'POST', body: JSON.stringify(o), headers: { 'content-type': 'application/json' } });
  },
};
