/**
 * A minimal stand-in for the `vscode` module, for the benchmark: just what activate()
 * and the name input touch, each call counted. Any other name read from the module
 * throws, so the stand-in cannot silently hide an API the extension starts to use.
 * `installVscodeStub()` makes `require('vscode')` return it (through the module cache).
 */
import Module = require('node:module');

type Listener<T> = (e: T) => unknown;

export interface Disposable {
  dispose(): void;
}

class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

/** What the stand-in recorded: calls per API, registered commands, views, input boxes. */
export interface StubRecord {
  calls: Record<string, number>;
  commands: Map<string, (...args: unknown[]) => unknown>;
  treeProviders: Map<string, { getChildren(element?: unknown): unknown }>;
}

export interface FakeInputBox {
  value: string;
  busy: boolean;
  validationMessage: unknown;
  title?: string;
  [key: string]: unknown;
}

export interface StubOptions {
  /** Settings by full key, e.g. `keypairs.endpoint`. */
  settings?: Record<string, unknown>;
  /** Secrets the SecretStorage stand-in starts with. */
  secrets?: Record<string, string>;
}

export interface VscodeStub {
  module: Record<string, unknown>;
  record: StubRecord;
  /** An ExtensionContext for activate(). */
  context(mode?: number): Record<string, unknown> & { subscriptions: Disposable[] };
  settings: Record<string, unknown>;
}

export function createVscodeStub(options: StubOptions = {}): VscodeStub {
  const record: StubRecord = { calls: {}, commands: new Map(), treeProviders: new Map() };
  const settings: Record<string, unknown> = { ...options.settings };
  const count = (api: string) => {
    record.calls[api] = (record.calls[api] ?? 0) + 1;
  };
  const configurationChanged = new EventEmitter<unknown>();
  const noop: Disposable = { dispose() {} };

  const ExtensionMode = { Production: 1, Development: 2, Test: 3 } as const;
  const api: Record<string, unknown> = {
    EventEmitter,
    ExtensionMode,
    StatusBarAlignment: { Left: 1, Right: 2 },
    InputBoxValidationSeverity: { Info: 1, Warning: 2, Error: 3 },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    QuickInputButtons: { Back: { iconPath: 'back' } },
    // English, as vscode.l10n.t does with no bundle: fills {0}, {1}… (counted: the bundle's
    // messages are looked up on each call in VS Code too).
    l10n: {
      t(message: string, ...args: unknown[]): string {
        count('l10n.t');
        return message.replace(/\{(\d+)\}/g, (whole, index: string) =>
          Number(index) < args.length ? String(args[Number(index)]) : whole,
        );
      },
    },
    commands: {
      registerCommand(id: string, run: (...args: unknown[]) => unknown): Disposable {
        count('commands.registerCommand');
        record.commands.set(id, run);
        return { dispose: () => record.commands.delete(id) };
      },
      async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
        count('commands.executeCommand');
        return record.commands.get(id)?.(...args);
      },
    },
    window: {
      createStatusBarItem(): Record<string, unknown> {
        count('window.createStatusBarItem');
        return { show() {}, hide() {}, dispose() {} };
      },
      createTreeView(
        id: string,
        o: { treeDataProvider: { getChildren(element?: unknown): unknown } },
      ): Record<string, unknown> {
        count('window.createTreeView');
        record.treeProviders.set(id, o.treeDataProvider);
        const visible = new EventEmitter<unknown>();
        return {
          visible: false,
          onDidChangeVisibility: visible.event,
          message: undefined,
          badge: undefined,
          dispose() {},
        };
      },
      createOutputChannel(): Record<string, unknown> {
        count('window.createOutputChannel');
        return { info() {}, warn() {}, error() {}, show() {}, dispose() {} };
      },
      createInputBox(): FakeInputBox {
        count('window.createInputBox');
        const changed = new EventEmitter<string>();
        const accepted = new EventEmitter<void>();
        const hidden = new EventEmitter<void>();
        const button = new EventEmitter<unknown>();
        return {
          value: '',
          busy: false,
          validationMessage: undefined,
          buttons: [],
          onDidChangeValue: changed.event,
          onDidAccept: accepted.event,
          onDidHide: hidden.event,
          onDidTriggerButton: button.event,
          show() {},
          hide: () => hidden.fire(),
          dispose() {},
          /** What a keystroke does: the value changes and onDidChangeValue fires. */
          type(this: FakeInputBox, value: string) {
            this.value = value;
            changed.fire(value);
          },
        };
      },
      async showErrorMessage(): Promise<undefined> {
        count('window.showErrorMessage');
        return undefined;
      },
      async showWarningMessage(): Promise<undefined> {
        count('window.showWarningMessage');
        return undefined;
      },
      async showInformationMessage(): Promise<undefined> {
        count('window.showInformationMessage');
        return undefined;
      },
    },
    workspace: {
      getConfiguration(section?: string) {
        count('workspace.getConfiguration');
        return {
          get: <T>(key: string, fallback?: T): T | undefined => {
            const full = section ? `${section}.${key}` : key;
            return (full in settings ? settings[full] : fallback) as T | undefined;
          },
        };
      },
      onDidChangeConfiguration(listener: Listener<unknown>): Disposable {
        count('workspace.onDidChangeConfiguration');
        return configurationChanged.event(listener);
      },
      registerTextDocumentContentProvider(): Disposable {
        count('workspace.registerTextDocumentContentProvider');
        return noop;
      },
    },
    authentication: {
      registerAuthenticationProvider(): Disposable {
        count('authentication.registerAuthenticationProvider');
        return noop;
      },
      async getSession(): Promise<undefined> {
        count('authentication.getSession');
        return undefined;
      },
    },
  };

  const module = new Proxy(api, {
    get(target, name) {
      if (typeof name !== 'string') return undefined;
      if (name === '__esModule' || name === 'default' || name === 'then') return undefined;
      if (!(name in target)) throw new Error(`vscode stand-in: vscode.${name} is not provided`);
      return target[name];
    },
  });

  const secrets = new Map(Object.entries(options.secrets ?? {}));
  const secretsChanged = new EventEmitter<{ key: string }>();
  const state = new Map<string, unknown>();
  const context = (mode: number = ExtensionMode.Production) => ({
    subscriptions: [] as Disposable[],
    extensionMode: mode,
    secrets: {
      get: async (key: string) => {
        count('secrets.get');
        return secrets.get(key);
      },
      store: async (key: string, value: string) => {
        count('secrets.store');
        secrets.set(key, value);
        secretsChanged.fire({ key });
      },
      delete: async (key: string) => {
        count('secrets.delete');
        secrets.delete(key);
        secretsChanged.fire({ key });
      },
      onDidChange: secretsChanged.event,
    },
    globalState: {
      get: (key: string) => {
        count('globalState.get');
        return state.get(key);
      },
      keys: () => [...state.keys()],
      update: async (key: string, value: unknown) => {
        count('globalState.update');
        state.set(key, value);
      },
    },
  });

  return { module, record, context, settings };
}

/** Makes `require('vscode')` return `stub` from now on (in this process). */
export function installVscodeStub(stub: VscodeStub): void {
  const M = Module as unknown as {
    _resolveFilename(request: string, ...rest: unknown[]): string;
    _cache: Record<string, unknown>;
  };
  const resolve = M._resolveFilename;
  M._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  M._cache['vscode'] = {
    id: 'vscode',
    filename: 'vscode',
    loaded: true,
    exports: stub.module,
    children: [],
    paths: [],
  };
}
