/**
 * code-server for the demo and the end-to-end tests (shared/recipes/e2e-code-server.md):
 * install the packaged .vsix into a private user-data / extensions folder, then serve a
 * workspace on 127.0.0.1 with no auth. Needs `bash test/e2e/install.sh` first (.e2e/).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const E2E_DIR = join(ROOT, '.e2e');
export const E2E_BIN = join(E2E_DIR, 'node_modules', '.bin');
export const CODE_SERVER = join(E2E_BIN, 'code-server');
export const VSIX = join(ROOT, 'dist', 'segscope.vsix');
export const EXTENSION_ID = 'segscope.segscope';

/** The environment code-server runs in: Node 24 from .e2e first on PATH. */
export function codeServerEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${E2E_BIN}:${process.env.PATH ?? ''}` };
}

export function checkInstalled(): string | undefined {
  if (!existsSync(CODE_SERVER)) return `code-server is not installed: run \`bash test/e2e/install.sh\` (${CODE_SERVER} is missing)`;
  if (!existsSync(join(E2E_DIR, 'node_modules', 'playwright-core', 'package.json'))) return 'playwright-core is not installed in .e2e/: run `bash test/e2e/install.sh`';
  if (!existsSync('/usr/bin/chromium')) return '/usr/bin/chromium is missing: run `bash test/e2e/install.sh`';
  if (!existsSync(VSIX)) return `${VSIX} is missing: run \`npm run package\``;
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface Profile {
  userDataDir: string;
  extensionsDir: string;
}

/** User settings that keep the workbench quiet and predictable for a demo or a test. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'window.commandCenter': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'explorer.confirmDragAndDrop': false,
  'files.exclude': { '**/.git': true },
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'github.gitAuthentication': false,
};

/**
 * A fresh profile with the .vsix installed (code-server's own `--install-extension`, as the
 * recipe says: an unpacked copy is "marked as removed").
 */
export function makeProfile(dir: string, settings: Record<string, unknown> = {}, vsix = VSIX): Profile {
  rmSync(dir, { recursive: true, force: true });
  const userDataDir = join(dir, 'user-data');
  const extensionsDir = join(dir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  const r = spawnSync(CODE_SERVER, ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
    env: codeServerEnv(),
    encoding: 'utf8',
    timeout: 180_000,
  });
  const installed = existsSync(extensionsDir) ? readdirSync(extensionsDir).filter((d) => d.startsWith(`${EXTENSION_ID}-`)) : [];
  if (r.status !== 0 || installed.length === 0) {
    throw new Error(`code-server --install-extension ${vsix} failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { userDataDir, extensionsDir };
}

export interface RunningCodeServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** everything code-server printed so far */
  log(): string;
  stop(): Promise<void>;
}

/** Start code-server on 127.0.0.1 and wait until it answers HTTP. */
export async function startCodeServer(profile: Profile, workspace: string, port?: number, timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}): Promise<RunningCodeServer> {
  const p = port ?? (await freePort());
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${p}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir,
    workspace,
  ];
  const child = spawn(CODE_SERVER, args, { env: { ...codeServerEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const base = `http://127.0.0.1:${p}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before answering:\n${output}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      stopTree(child);
      throw new Error(`code-server did not answer on ${base} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url: `${base}/?folder=${encodeURIComponent(workspace)}`,
    port: p,
    process: child,
    log: () => output,
    stop: async () => {
      if (exited !== null) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      stopTree(child);
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      if (exited === null) stopTree(child, 'SIGKILL');
    },
  };
}

/** Signal code-server's process group (it was started detached: its own group, so its extension hosts go too). */
function stopTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}
