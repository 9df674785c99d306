#!/usr/bin/env node
// Command-line entry of the emulator: `npm run emulator -- --port 8774 --seed 50`.
// Prints ONE JSON line with the URLs on stdout first, then human-readable lines.
import { EmulatorOptions, startEmulator } from './server';
import { must } from '../support/must';

const USAGE = `usage: emulator [--port N] [--token T]... [--max-microversion X.Y] [--quota N] [--latency MS] [--seed N] [--servers N]
  --port N               listen port on 127.0.0.1 (default 8774; 0 = ephemeral)
  --token T              static Compute token (repeatable; default sandbox-token)
  --max-microversion X.Y highest compute microversion (default 2.93)
  --quota N              key pairs per user (default 100)
  --latency MS           delay added before every answer (default 0)
  --seed N               pre-create N key pairs for the default user (Nova-style and its default region)
  --servers N            pre-create N demo servers using those key pairs (Nova-style and the default region)`;

interface CliArgs {
  options: EmulatorOptions;
  seed: number;
  servers: number;
}

function fail(msg: string): never {
  process.stderr.write(`emulator: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): CliArgs {
  const options: EmulatorOptions = { host: '127.0.0.1', port: 8774 };
  const tokens: string[] = [];
  let seed = 0;
  let servers = 0;
  for (let i = 0; i < argv.length; i++) {
    let arg = must(argv[i], `argument ${i}`);
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    const int = (name: string, v: string): number => {
      if (!/^\d+$/.test(v)) fail(`${name} must be a non-negative integer, got '${v}'`);
      return Number(v);
    };
    switch (arg) {
      case '--port':
        options.port = int('--port', next());
        if (options.port > 65535) fail('--port must be at most 65535');
        break;
      case '--token':
        tokens.push(next());
        break;
      case '--max-microversion':
        options.maxMicroversion = next();
        break;
      case '--quota':
        options.quota = int('--quota', next());
        break;
      case '--latency':
        options.latencyMs = int('--latency', next());
        break;
      case '--seed':
        seed = int('--seed', next());
        break;
      case '--servers':
        servers = int('--servers', next());
        break;
      case '-h':
      case '--help':
        process.stdout.write(USAGE + '\n');
        process.exit(0);
        break;
      default:
        fail(`unknown argument '${arg}'`);
    }
  }
  if (tokens.length > 0) options.tokens = tokens;
  return { options, seed, servers };
}

async function main(): Promise<void> {
  const { options, seed, servers } = parseArgs(process.argv.slice(2));
  let emu;
  try {
    emu = await startEmulator(options);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const defaultRegion = 'DFW';
  if (seed > 0) {
    emu.seed(seed);
    emu.seed(seed, { region: defaultRegion });
  }
  if (servers > 0) {
    await emu.seedServers(servers);
    await emu.seedServers(servers, { region: defaultRegion });
  }
  process.stdout.write(
    JSON.stringify({
      url: emu.url,
      computeUrl: emu.computeUrl,
      identityUrl: emu.identityUrl,
      keystoneUrl: emu.keystoneUrl,
      rackspaceComputeUrl: emu.rackspaceComputeUrl(),
    }) + '\n',
  );
  const lines = [
    `Key pairs emulator listening on ${emu.url} (127.0.0.1 only)`,
    `  Nova compute (microversions 2.1-${options.maxMicroversion ?? '2.93'}): ${emu.computeUrl}`,
    `  Rackspace compute (default region):     ${emu.rackspaceComputeUrl()}`,
    `  Rackspace compute (per region):         ${emu.url}/{dfw|ord|iad}/v2/{tenant}`,
    `  Rackspace Identity v2.0:                ${emu.identityUrl}  (POST /tokens)`,
    `  Keystone v3 auth URL:                   ${emu.keystoneUrl}  (POST /v3/auth/tokens)`,
    `  Control API:                            ${emu.url}/_emulator/state`,
    `  Static tokens: ${(options.tokens ?? ['sandbox-token']).length} configured; quota ${options.quota ?? 100}; latency ${options.latencyMs ?? 0} ms`,
    seed > 0 ? `  Seeded ${seed} key pairs (Nova-style and ${defaultRegion}) for the default user` : '',
    servers > 0 ? `  Seeded ${servers} servers (Nova-style and ${defaultRegion}) using those key pairs` : '',
    '  Default identity user and credentials: see test/emulator/README.md',
    'Press Ctrl+C to stop.',
  ].filter((l) => l !== '');
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Received ${signal}, stopping.\n`);
    emu
      .close()
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
