/**
 * The production bundle (scripts/build.mjs) as it loads: dist/extension.js holds what activation
 * needs, the flows are lazy chunks, and each module exists once, so that an error a chunk throws
 * is an instance of the main bundle's class (the check `isCancel` and the wording rely on).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

interface Meta {
  outputs: Record<string, { inputs: string[]; imports: { path: string; kind: string }[] }>;
}

describe('the bundle: one main file, lazy chunks, one copy of each module', function () {
  this.timeout(120_000);
  let out: string;
  let meta: Meta;

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'keypairs-bundle-'));
    execFileSync(process.execPath, ['scripts/build.mjs', `--outdir=${out}`], { cwd: ROOT, stdio: 'pipe' });
    meta = JSON.parse(fs.readFileSync(path.join(out, 'metafile.json'), 'utf8')) as Meta;
  });
  after(() => out && fs.rmSync(out, { recursive: true, force: true }));

  it('puts every source file in exactly one output', () => {
    const seen = new Map<string, string>();
    for (const [output, { inputs }] of Object.entries(meta.outputs)) {
      for (const input of inputs) {
        assert.equal(seen.get(input), undefined, `${input} in ${seen.get(input)} and ${output}`);
        seen.set(input, output);
      }
    }
    assert.ok(seen.size > 50, `the source files are listed (${seen.size})`);
  });

  it('leaves the flows out of dist/extension.js: they load on first use', () => {
    const main = Object.entries(meta.outputs).find(([o]) => o.endsWith('/extension.js'));
    assert.ok(main, 'extension.js is an output');
    const inMain = new Set(main[1].inputs);
    for (const flow of [
      'src/shell/commands/connect.ts',
      'src/shell/commands/rotate.ts',
      'src/shell/commands/create.ts',
      'src/shell/commands/importKey.ts',
      'src/shell/commands/copyToRegions.ts',
      'src/shell/commands/signIn.ts',
      'src/core/ssh/remoteKeys.ts',
      'src/core/keys/opensshKey.ts',
      'src/core/keys/bcryptPbkdf.ts',
      'src/core/ssh/agent.ts',
      'src/core/api/http.ts',
      'src/core/api/httpErrors.ts',
      'src/core/api/cloudsConfig.ts',
      'src/core/ssh/config/hostEntry.ts',
      'src/core/ssh/config/file.ts',
      'src/core/ssh/config/check.ts',
      'src/core/ssh/config/tree.ts',
      'src/core/flows/connect.ts',
      'src/core/flows/hostEntry.ts',
      'src/core/flows/hostEntrySteps.ts',
      'src/core/flows/rotate/run.ts',
      'src/core/wording/errorText.ts',
      'src/core/wording/api.ts',
      'src/core/wording/create.ts',
    ]) {
      assert.ok(fs.existsSync(path.join(ROOT, flow)), `${flow} exists`);
      assert.ok(!inMain.has(flow), `${flow} is not loaded at activation`);
    }
    assert.ok(inMain.has('src/shell/views/keyPairsView.ts') && inMain.has('src/shell/statusBar.ts'));
  });

  it('an error thrown in a lazy chunk is an instance of the class in dist/extension.js', () => {
    // A fresh Node process: the vscode stand-in, the main bundle activated, then the HTTP
    // client (a lazy chunk) asked for a closed port: its ApiError must be the main bundle's.
    const script = `
      const { createVscodeStub, installVscodeStub } = require(${JSON.stringify(path.join(ROOT, 'out/bench/vscodeStub.js'))});
      const stub = createVscodeStub();
      installVscodeStub(stub);
      const ext = require(${JSON.stringify(path.join(out, 'extension.js'))});
      ext.activate(stub.context());
      const loadedAtActivation = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(out)}));
      const { ApiError } = ext.__shared['src/core/api/errors.ts'];
      const { HttpClient } = require(${JSON.stringify(path.join(out, 'clients.js'))});
      const server = require('node:net').createServer();
      server.listen(0, '127.0.0.1', async () => {
        const port = server.address().port;
        server.close();
        try {
          await new HttpClient({ retries: 0 }).request({ method: 'GET', url: 'http://127.0.0.1:' + port + '/' });
          console.log(JSON.stringify({ thrown: false }));
        } catch (err) {
          console.log(JSON.stringify({ thrown: true, mainClass: err instanceof ApiError, kind: err.kind, loadedAtActivation }));
        }
      });`;
    const r = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim()) as {
      thrown: boolean;
      mainClass: boolean;
      kind: string;
      loadedAtActivation: string[];
    };
    assert.deepEqual(r.loadedAtActivation, [path.join(out, 'extension.js')], 'activation loads one file');
    assert.equal(r.thrown, true);
    assert.equal(r.kind, 'connection-refused');
    assert.equal(r.mainClass, true, "the lazy chunk's ApiError is the main bundle's class");
  });
});
