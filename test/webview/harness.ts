/**
 * What every Chromium webview test shares: Debian's /usr/bin/chromium (never a downloaded browser)
 * driven by playwright-core, a loopback HTTP server for the production pages and the built
 * bundles under dist/, the check that the bundle is not older than its sources, and VS Code's
 * Dark Modern theme variables. Each test file keeps its own page helpers (what it stubs, what it
 * records), since those differ with the surface.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative } from 'node:path';
import { chromium } from 'playwright-core';
import { renderWebviewHtml } from '../../extension/webviewHtml.js';

// Types from the API itself, so these files also type-check where an ambient `declare module
// 'playwright-core'` (test/e2e's shim for its own install) replaces the package's types.
export type Browser = Awaited<ReturnType<typeof chromium.launch>>;
export type Page = Awaited<ReturnType<Browser['newPage']>>;
export interface ConsoleMessage { type(): string; text(): string }

export const ROOT = join(import.meta.dirname, '..', '..');
export const DIST = join(ROOT, 'dist');
export const SHOTS = join(ROOT, 'test-results', 'webview');
const CHROMIUM = process.env.SEGSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.txt': 'text/plain' };

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** The page entry's bundle exists and is not older than the sources it is built from; the screenshot folder exists. */
export function assertBundleFresh(entry: 'panel' | 'comparison' | 'notebook' | 'folders'): void {
  const bundle = join(DIST, 'webview', `${entry}.js`);
  assert.ok(existsSync(bundle), `${bundle} is missing: run \`node build.mjs\` first`);
  const sources = Math.max(...['webview', 'protocol', 'kernels/registry.ts'].map((f) => newest(join(ROOT, f))));
  assert.ok(statSync(bundle).mtimeMs >= sources - 1000, `dist/webview/${entry}.js is older than its sources: run \`node build.mjs\``);
  mkdirSync(SHOTS, { recursive: true });
}

/** The production page of an entry (extension/webviewHtml.ts, strict CSP) with a fresh nonce, served from `origin`. */
export function productionPage(origin: string, script: string, style: string, title?: string): string {
  const nonce = randomBytes(18).toString('base64url');
  return renderWebviewHtml({ cspSource: origin, nonce, scriptUri: `${origin}${script}`, styleUri: `${origin}${style}`, title });
}

export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * A loopback server: `pages` maps a path to the HTML it answers (given the server's origin), every
 * other path is a file under dist/ or under one of `roots` (URL prefix → folder); 404 otherwise.
 */
export async function startPageServer(pages: Record<string, (origin: string) => string>, roots: Record<string, string> = {}): Promise<PageServer> {
  let origin = '';
  const folders: [string, string][] = [['dist/', DIST], ...Object.entries(roots)];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const page = pages[url.pathname];
    if (page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(origin));
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '');
    const root = folders.find(([prefix]) => rel.startsWith(prefix));
    const file = root ? join(root[1], rel.slice(root[0].length)) : '';
    if (!root || relative(root[1], file).startsWith('..') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** VS Code's Dark Modern variables the pages read (VS Code sets them on <html>). */
export const DARK_VARS: Record<string, string> = {
  '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
};

export interface VsCodePageOptions {
  viewport: { width: number; height: number };
  /** the page's URL path (default '/') */
  path?: string;
  /** what the stubbed getState returns first (setState replaces it) */
  state?: unknown;
  vars?: Record<string, string>;
  /** the theme kind's class on <body> (default 'vscode-dark') */
  bodyClass?: string;
  /** how messages name the page: 'the panel', 'the view' */
  who: string;
}

/** A page of a VS Code webview entry, with a stubbed acquireVsCodeApi that records what it posts. */
export interface VsCodePageHarness<ToHost extends { type: string }> {
  page: Page;
  /** page errors and console errors/warnings so far */
  problems: string[];
  posted(): Promise<ToHost[]>;
  /** forget what was posted so far */
  forget(): Promise<void>;
  /** a message from the "extension host" (anything: the page must validate it) */
  send(message: unknown): Promise<void>;
  waitPosted(pred: (m: ToHost) => boolean, what: string): Promise<ToHost>;
  /** send a message and wait until the page posts one more `rendered` and marks its body rendered */
  show(message: unknown, timeoutMs?: number): Promise<void>;
  shot(name: string, fullPage?: boolean): Promise<void>;
  /** CSP violations, page errors and console errors */
  cspProblems(): Promise<string[]>;
  /** no CSP violation, page error or console error; every posted message valid; no `log` of an error */
  assertClean(isValid: (m: unknown) => boolean): Promise<void>;
}

export async function openVsCodePage<ToHost extends { type: string }>(browser: Browser, origin: string, options: VsCodePageOptions): Promise<VsCodePageHarness<ToHost>> {
  const page = await browser.newPage({ viewport: options.viewport });
  const problems: string[] = [];
  page.on('pageerror', (e: Error) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  // tsx compiles the functions below with esbuild's keepNames, whose __name helper the page lacks.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.addInitScript(
    ({ state, vars, bodyClass }: { state: unknown; vars: Record<string, string>; bodyClass: string }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__posted = [];
      w.__state = state;
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        (w.__csp as string[]).push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
      });
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (w.__posted as unknown[]).push(JSON.parse(JSON.stringify(m))),
        getState: () => w.__state,
        setState: (s: unknown) => {
          w.__state = JSON.parse(JSON.stringify(s));
        },
      });
      // as VS Code does: theme variables on <html>, the theme kind as a class of <body>
      document.addEventListener('DOMContentLoaded', () => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body.classList.add(bodyClass);
      });
    },
    { state: options.state, vars: options.vars ?? DARK_VARS, bodyClass: options.bodyClass ?? 'vscode-dark' },
  );
  const response = await page.goto(`${origin}${options.path ?? '/'}`);
  assert.equal(response?.status(), 200);
  const posted = (): Promise<ToHost[]> => page.evaluate(() => (window as unknown as { __posted: ToHost[] }).__posted);
  const poll = async <T>(found: () => Promise<T | undefined>, timeoutMs: number, failure: () => Promise<string>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await found();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(await failure());
      await page.waitForTimeout(40);
    }
  };
  const send = async (message: unknown) => {
    await page.evaluate((m: unknown) => window.postMessage(m, '*'), message as Record<string, unknown>);
  };
  const rendered = async () => (await posted()).filter((m) => m.type === 'rendered').length;
  const cspProblems = async () => {
    const csp: string[] = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
    return [...csp.map((c) => `CSP: ${c}`), ...problems];
  };
  return {
    page,
    problems,
    posted,
    forget: () => page.evaluate(() => void ((window as unknown as { __posted: unknown[] }).__posted = [])),
    send,
    waitPosted: (pred, what) =>
      poll(async () => (await posted()).find(pred), 15_000, async () => `${options.who} did not post ${what}; posted: ${JSON.stringify((await posted()).map((m) => m.type))}`),
    async show(message, timeoutMs = 20_000) {
      const before = await rendered();
      await send(message);
      await poll(async () => ((await rendered()) > before ? true : undefined), timeoutMs, async () => `${options.who} did not post rendered`);
      assert.equal(await page.getAttribute('body', 'data-rendered'), 'true');
    },
    async shot(name, fullPage = true) {
      if (fullPage) await page.evaluate(() => window.scrollTo(0, 0)); // the sticky toolbar at the top
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
    },
    cspProblems,
    async assertClean(isValid) {
      assert.deepEqual(await cspProblems(), [], 'no CSP violation, page error or console error');
      for (const m of await posted()) assert.ok(isValid(m), `a valid message: ${JSON.stringify(m).slice(0, 200)}`);
      assert.deepEqual((await posted()).filter((m) => m.type === 'log'), [], `${options.who} reported no error`);
    },
  };
}
