/**
 * What the four Chromium webview suites share: Debian's /usr/bin/chromium (never a downloaded
 * browser) driven by playwright-core, a loopback HTTP server for the test's pages and the built
 * bundles under dist/, the check that a bundle is not older than its sources, VS Code's theme
 * variables, and a page loaded in a theme that records page errors, console errors and warnings
 * and CSP violations — with, for the webview entries, a stubbed acquireVsCodeApi that records what
 * the page posts. What differs per surface (the notebook's page, the panel's components page)
 * stays in its test file.
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
interface ConsoleMessage { type(): string; text(): string }

export const ROOT = join(import.meta.dirname, '..', '..');
export const DIST = join(ROOT, 'dist');
export const SHOTS = join(ROOT, 'test-results', 'webview');
const CHROMIUM = process.env.SEGSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.txt': 'text/plain' };

// -----------------------------------------------------------------------------------------------
// The bundle, the server, the browser
// -----------------------------------------------------------------------------------------------

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newest(join(path, f))));
}

/** The entry's bundle exists and is not older than the sources it is built from; the screenshot folder exists. */
export function assertBundleFresh(entry: 'panel' | 'comparison' | 'notebook' | 'folders'): void {
  const bundle = join(DIST, 'webview', `${entry}.js`);
  assert.ok(existsSync(bundle), `${bundle} is missing: run \`node build.mjs\` first`);
  const sources = Math.max(...['webview', 'protocol', 'kernels/registry.ts'].map((f) => newest(join(ROOT, f))));
  assert.ok(statSync(bundle).mtimeMs >= sources - 1000, `dist/webview/${entry}.js is older than its sources: run \`node build.mjs\``);
  mkdirSync(SHOTS, { recursive: true });
}

export const freshNonce = (): string => randomBytes(18).toString('base64url');

/** The production page of an entry (extension/webviewHtml.ts, strict CSP) with a fresh nonce, served from `origin`. */
export function productionPage(origin: string, script: string, style: string, title?: string): string {
  return renderWebviewHtml({ cspSource: origin, nonce: freshNonce(), scriptUri: `${origin}${script}`, styleUri: `${origin}${style}`, title });
}

/** A path → the HTML it answers, given the server's origin. */
export type Pages = Record<string, (origin: string) => string>;

interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/**
 * A loopback server: each of `pages` at its path, every other path a file under dist/ or under one
 * of `roots` (URL prefix → folder), 204 for the favicon, 404 otherwise.
 */
async function startPageServer(pages: Pages, roots: Record<string, string>): Promise<PageServer> {
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

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** What a suite's tests share: the page server and one browser. */
export interface Suite {
  origin: string;
  browser: Browser;
  /** close the browser, then the server */
  close(): Promise<void>;
}

/** Start the page server (see startPageServer) and Chromium; call `close` in the suite's after(). */
export async function startSuite(pages: Pages, roots: Record<string, string> = {}): Promise<Suite> {
  const server = await startPageServer(pages, roots);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    origin: server.origin,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

// -----------------------------------------------------------------------------------------------
// VS Code's theme variables (VS Code sets them on <html>, the theme kind as a class of <body>)
// -----------------------------------------------------------------------------------------------

/** Dark Modern: the variables the pages read. */
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

/** Light Modern: its colours over the dark set. */
export const LIGHT_VARS: Record<string, string> = {
  ...DARK_VARS,
  '--vscode-editor-foreground': '#3b3b3b',
  '--vscode-editor-background': '#ffffff',
  '--vscode-descriptionForeground': '#717171',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-charts-red': '#e51400',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-yellow': '#bf8803',
  '--vscode-charts-purple': '#652d90',
  '--vscode-charts-green': '#388a34',
};

/** Dark High Contrast. */
export const HIGH_CONTRAST_VARS: Record<string, string> = {
  ...DARK_VARS,
  '--vscode-editor-foreground': '#ffffff',
  '--vscode-editor-background': '#000000',
  '--vscode-descriptionForeground': '#ffffffb3',
  '--vscode-panel-border': '#6fc3df',
  '--vscode-editorWidget-background': '#0c141f',
  '--vscode-focusBorder': '#f38518',
  '--vscode-button-background': '#000000',
  '--vscode-contrastBorder': '#6fc3df',
  '--vscode-charts-yellow': '#ffff00',
};

// -----------------------------------------------------------------------------------------------
// Pages
// -----------------------------------------------------------------------------------------------

export interface PageOptions {
  viewport: { width: number; height: number };
  /** the page's URL path (default '/') */
  path?: string;
  /** the theme's variables (default DARK_VARS) */
  vars?: Record<string, string>;
  /** the theme kind's class on <body> (default 'vscode-dark') */
  bodyClass?: string;
  /** install Playwright's fake clock before the page loads */
  clock?: boolean;
}

/** A loaded page that records what would fail a test. */
export interface LoadedPage {
  page: Page;
  /** page errors and console errors/warnings so far */
  problems: string[];
  /** CSP violations, then `problems` */
  cspProblems(): Promise<string[]>;
}

async function loadPage(suite: Suite, options: PageOptions, beforeLoad?: (page: Page) => Promise<void>): Promise<LoadedPage> {
  const page = await suite.browser.newPage({ viewport: options.viewport });
  const problems: string[] = [];
  page.on('pageerror', (e: Error) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  if (options.clock) await page.clock.install();
  // tsx compiles the functions below with esbuild's keepNames, whose __name helper the page lacks.
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  await page.addInitScript(
    ({ vars, bodyClass }: { vars: Record<string, string>; bodyClass: string }) => {
      const w = window as unknown as Record<string, unknown>;
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        (w.__csp as string[]).push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
      });
      document.addEventListener('DOMContentLoaded', () => {
        for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        document.body.classList.add(bodyClass);
      });
    },
    { vars: options.vars ?? DARK_VARS, bodyClass: options.bodyClass ?? 'vscode-dark' },
  );
  await beforeLoad?.(page);
  const response = await page.goto(`${suite.origin}${options.path ?? '/'}`);
  assert.equal(response?.status(), 200);
  return {
    page,
    problems,
    async cspProblems() {
      const csp: string[] = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
      return [...csp.map((c) => `CSP: ${c}`), ...problems];
    },
  };
}

/** One of the suite's pages in a VS Code theme (see PageOptions), recording what would fail a test. */
export const openPage = (suite: Suite, options: PageOptions): Promise<LoadedPage> => loadPage(suite, options);

/** Poll `found` every 40 ms until it gives a value; past `timeoutMs`, throw `failure()`. */
async function poll<T>(page: Page, found: () => Promise<T | undefined>, timeoutMs: number, failure: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await found();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(await failure());
    await page.waitForTimeout(40);
  }
}

/** What a page posted, as `window.__posted` holds it (kept by the stubbed acquireVsCodeApi, or by the notebook page). */
export interface Recorder<ToHost> {
  posted(): Promise<ToHost[]>;
  /** forget what was posted so far */
  forget(): Promise<void>;
  /** the first posted message that `pred` accepts, waiting up to 15 s */
  waitPosted(pred: (m: ToHost) => boolean, what: string): Promise<ToHost>;
}

/** `who` names the page in failures ('the panel'); `label` shows a posted message there. */
export function recorder<ToHost extends { type: string }>(page: Page, who: string, label: (m: ToHost) => string = (m) => m.type): Recorder<ToHost> {
  const posted = (): Promise<ToHost[]> => page.evaluate(() => (window as unknown as { __posted: ToHost[] }).__posted);
  return {
    posted,
    forget: () => page.evaluate(() => void ((window as unknown as { __posted: unknown[] }).__posted = [])),
    waitPosted: (pred, what) =>
      poll(page, async () => (await posted()).find(pred), 15_000, async () => `${who} did not post ${what}; posted: ${JSON.stringify((await posted()).map(label))}`),
  };
}

/** No CSP violation, page error or console error; every posted message valid. */
export async function assertNoProblems<ToHost>(p: LoadedPage & Pick<Recorder<ToHost>, 'posted'>, isValid: (m: unknown) => boolean): Promise<void> {
  assert.deepEqual(await p.cspProblems(), [], 'no CSP violation, page error or console error');
  for (const m of await p.posted()) assert.ok(isValid(m), `a valid message: ${JSON.stringify(m).slice(0, 200)}`);
}

export interface VsCodePageOptions extends PageOptions {
  /** what the stubbed getState returns first (setState replaces it) */
  state?: unknown;
  /** how failures name the page: 'the panel', 'the view' */
  who: string;
}

/** A page of a VS Code webview entry with a stubbed acquireVsCodeApi that records what it posts. */
export interface VsCodePage<ToHost extends { type: string }> extends LoadedPage, Recorder<ToHost> {
  /** a message from the "extension host" (anything: the page must validate it) */
  send(message: unknown): Promise<void>;
  /** send a message and wait until the page posts one more `rendered` and marks its body rendered */
  show(message: unknown, timeoutMs?: number): Promise<void>;
  /** a screenshot to test-results/webview/<name>.png; a full page one from the top (the toolbar is sticky) */
  shot(name: string, fullPage?: boolean): Promise<void>;
  /** assertNoProblems, and no `log` of an error posted */
  assertClean(isValid: (m: unknown) => boolean): Promise<void>;
}

export async function openVsCodePage<ToHost extends { type: string }>(suite: Suite, options: VsCodePageOptions): Promise<VsCodePage<ToHost>> {
  const loaded = await loadPage(suite, options, (page) =>
    page.addInitScript((state: unknown) => {
      const w = window as unknown as Record<string, unknown>;
      w.__posted = [];
      w.__state = state;
      w.acquireVsCodeApi = () => ({
        postMessage: (m: unknown) => (w.__posted as unknown[]).push(JSON.parse(JSON.stringify(m))),
        getState: () => w.__state,
        setState: (s: unknown) => {
          w.__state = JSON.parse(JSON.stringify(s));
        },
      });
    }, options.state),
  );
  const { page } = loaded;
  const recorded = recorder<ToHost>(page, options.who);
  const send = async (message: unknown) => {
    await page.evaluate((m: unknown) => window.postMessage(m, '*'), message as Record<string, unknown>);
  };
  const rendered = async () => (await recorded.posted()).filter((m) => m.type === 'rendered').length;
  const vscodePage: VsCodePage<ToHost> = {
    ...loaded,
    ...recorded,
    send,
    async show(message, timeoutMs = 20_000) {
      const before = await rendered();
      await send(message);
      await poll(page, async () => ((await rendered()) > before ? true : undefined), timeoutMs, async () => `${options.who} did not post rendered`);
      assert.equal(await page.getAttribute('body', 'data-rendered'), 'true');
    },
    async shot(name, fullPage = true) {
      if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
    },
    async assertClean(isValid) {
      await assertNoProblems(vscodePage, isValid);
      assert.deepEqual((await recorded.posted()).filter((m) => m.type === 'log'), [], `${options.who} reported no error`);
    },
  };
  return vscodePage;
}
