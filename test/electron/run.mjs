#!/usr/bin/env node
// The desktop VS Code suite (@vscode/test-electron 2.5.x): the end-to-end scenarios at the API
// level, in a real VS Code pointed at by VSCODE_EXECUTABLE_PATH. Without it the suite is skipped,
// loudly, and counts as nothing (no pass line). Never downloads VS Code.
//   VSCODE_EXECUTABLE_PATH=/path/to/code npm run test:electron
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const exe = process.env.VSCODE_EXECUTABLE_PATH;
if (!exe) {
  console.log('skipped: VSCODE_EXECUTABLE_PATH not set (the @vscode/test-electron suite needs a desktop VS Code install)');
  process.exit(0);
}
if (!existsSync(exe)) {
  console.error(`test:electron: VSCODE_EXECUTABLE_PATH=${exe} does not exist`);
  process.exit(1);
}
for (const f of ['dist/extension.cjs', 'dist/engineWorker.js', 'dist/cli.js', 'dist/webview/panel.js']) {
  if (!existsSync(join(root, f))) {
    console.error(`test:electron: ${f} is missing; run \`npm run build\` first`);
    process.exit(1);
  }
}

const work = join(root, '.e2e', 'electron');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// The suite runs inside VS Code's extension host (CommonJS): bundle it.
const esbuild = await import('esbuild');
await esbuild.build({
  entryPoints: [join(root, 'test', 'electron', 'suite.ts')],
  outfile: join(work, 'suite.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  logLevel: 'warning',
});

// The workspace and what the CLI says about each pair (computed here, with this Node).
await esbuild.build({ entryPoints: [join(root, 'test', 'fixtures', 'demoWorkspace.ts')], outfile: join(work, 'demo.mjs'), bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
const { writeDemoWorkspace, DEMO_PAIRS } = await import(join(work, 'demo.mjs'));
const workspace = writeDemoWorkspace(join(work, 'workspace'));
const expected = {};
for (const p of DEMO_PAIRS) {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'evaluate', join(workspace, p.pred), join(workspace, p.gt), '--json'], { encoding: 'utf8' });
  expected[p.name] = r.status === 0 ? { ok: true, json: JSON.parse(r.stdout) } : { ok: false, status: r.status, stderr: r.stderr.trim() };
}
writeFileSync(join(work, 'expected.json'), JSON.stringify({ workspace, pairs: DEMO_PAIRS, expected }, null, 2));

const { runTests } = await import('@vscode/test-electron');
try {
  await runTests({
    vscodeExecutablePath: exe,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(work, 'suite.cjs'),
    extensionTestsEnv: { SEGSCOPE_EXPECTED: join(work, 'expected.json') },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--user-data-dir', join(work, 'user-data'), '--extensions-dir', join(work, 'extensions')],
  });
} catch (e) {
  console.error(`test:electron: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
