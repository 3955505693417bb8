/**
 * `npm run demo`: build, package, install code-server (test/e2e/install.sh), write the sample
 * workspace of mask pairs under .e2e/demo/workspace, and serve it with the packaged extension on
 * 127.0.0.1. Prints the URL and runs until Ctrl+C.
 *   --port N       port to listen on (default: SEGSCOPE_DEMO_PORT, else 8080, else a free one)
 *   --skip-build   use the dist/segscope.vsix already built
 *   --check        start, print the URL, check it answers, then stop (for CI)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeDemoNotebook } from '../../test/fixtures/demoNotebook.js';
import { writeDemoWorkspace } from '../../test/fixtures/demoWorkspace.js';
import { E2E_DIR, ROOT, VSIX, freePort, makeProfile, startCodeServer } from '../../test/e2e/codeServer.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function step(title: string): void {
  console.log(`\n== ${title}`);
}

function run(cmd: string, cmdArgs: string[]): void {
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: \`${cmd} ${cmdArgs.join(' ')}\` failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}

async function portToUse(): Promise<number> {
  const asked = value('--port') ?? process.env.SEGSCOPE_DEMO_PORT;
  if (asked) return Number(asked);
  // 8080 when it is free, else any free port
  const probe = spawnSync(process.execPath, ['-e', "require('net').createServer().once('error',()=>process.exit(1)).listen(8080,'127.0.0.1',function(){this.close()})"]);
  return probe.status === 0 ? 8080 : freePort();
}

async function main(): Promise<void> {
  if (!flag('--skip-build') || !existsSync(VSIX)) {
    step('build and package the extension');
    run('npm', ['run', 'package']);
  }
  step('install code-server, Node 24 and playwright-core into .e2e/ (skipped when present)');
  run('bash', [join(ROOT, 'test', 'e2e', 'install.sh')]);

  step('write the sample workspace');
  const workspace = writeDemoWorkspace(join(E2E_DIR, 'demo', 'workspace'));
  await writeDemoNotebook(workspace);
  console.log(workspace);

  step('install the .vsix into a fresh code-server profile');
  const profile = makeProfile(join(E2E_DIR, 'demo', 'profile'));
  console.log(`installed ${VSIX}`);

  step('start code-server');
  const port = await portToUse();
  const server = await startCodeServer(profile, workspace, port);
  console.log(`\nSegScope demo is running: ${server.url}\n`);
  console.log('Open it in a browser, select case01_pred.npy and case01_gt.png in the explorer (click, Ctrl+click),');
  console.log('right-click → "Evaluate Mask Pair". Ctrl+C stops the server.');

  if (flag('--check')) {
    const res = await fetch(server.url);
    console.log(`GET ${server.url} → ${res.status}`);
    await server.stop();
    process.exit(res.ok ? 0 : 1);
  }
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.process.on('exit', (code) => {
    console.error(`code-server exited (${code})\n${server.log().slice(-2000)}`);
    process.exit(code ?? 1);
  });
}

main().catch((e) => {
  console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
