/**
 * The folder layout's import rules (README, issue #7): data flows one way,
 * file → formats → kernels → engine session → extension → protocol → webview,
 * and each layer imports only what its rules allow. A small import parser reads every .ts file of
 * the layer folders (static `import … from`, `import '…'`, `export … from`, dynamic `import('…')`,
 * `require('…')`, outside comments and strings) and every import that breaks a rule is listed as
 * file:line with the rule. kernels/, formats/ and protocol/ are also scanned for DOM globals.
 *
 * The per-layer tsconfigs check the same boundaries by types (kernels/formats/protocol compile
 * without the DOM lib, webview without node types); this test names the module that crossed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const ROOT = join(import.meta.dirname, '..', '..');

/** The layer folders whose imports are checked (test/ and bench/ may import anything). */
const LAYERS = ['kernels', 'formats', 'protocol', 'engine', 'cli', 'extension', 'webview'] as const;
type Layer = (typeof LAYERS)[number];

/** Packages kernels/ may import, and the files that may import each ('*': any kernels file). */
const KERNEL_PACKAGES: Record<string, readonly string[] | '*'> = {
  'gpu.js': '*',
  // gpu.js's own native backends, loaded (optionally) by the backend probe only
  gl: ['kernels/backends.ts'],
  webgpu: ['kernels/backends.ts'],
};
/** node: modules kernels/ may import, and the files that may. */
const KERNEL_NODE_MODULES: Record<string, readonly string[]> = {
  'node:worker_threads': ['kernels/helperThread.ts'],
};
/** Files outside kernels/ that kernels/ may import (extension-less). */
const KERNEL_EXTERNAL_FILES = ['formats/types'];
/** The decoding packages formats/ may import (those of package.json's dependencies). */
const FORMAT_PACKAGES = ['fast-png', 'nifti-reader-js'];
const FORMAT_NODE_MODULES = ['node:zlib'];

/** DOM globals that pure layers must not touch, as values or types. */
const DOM_OBJECTS = ['document', 'window', 'navigator'];
const DOM_NAMES = ['HTMLElement', 'getComputedStyle', 'requestAnimationFrame', 'localStorage'];
const DOM_FREE: readonly Layer[] = ['kernels', 'formats', 'protocol'];

// ---------------------------------------------------------------------------------------------
// Scanner: the source with comments, strings, templates and regex literals blanked (newlines and
// quotes kept, so offsets and lines stay), and the value of every plain string literal by the
// offset of its opening quote.

interface Scanned {
  code: string;
  literals: Map<number, string>;
}

const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

export function scan(src: string): Scanned {
  const out = src.split('');
  const literals = new Map<number, string>();
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  /** per open template substitution, the brace depth inside it */
  const templates: number[] = [];
  let i = 0;

  const regexAllowed = (at: number): boolean => {
    let k = at - 1;
    while (k >= 0 && /\s/.test(out[k])) k--;
    if (k < 0) return true;
    const c = out[k];
    if (/[\w$]/.test(c)) {
      let s = k;
      while (s > 0 && /[\w$]/.test(out[s - 1])) s--;
      return REGEX_AFTER_WORD.has(out.slice(s, k + 1).join(''));
    }
    return !(c === ')' || c === ']' || c === '"' || c === "'" || c === '`');
  };

  /** scans template text from i (just past a '`' or a '}' closing a substitution) */
  const templateText = (start: number, plain: boolean): void => {
    let value = '';
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') { value += src[i + 1] ?? ''; i += 2; continue; }
      if (c === '`') {
        blank(start, i);
        if (plain) literals.set(start - 1, value);
        i++;
        return;
      }
      if (c === '$' && src[i + 1] === '{') {
        blank(start, i);
        templates.push(0);
        i += 2;
        return;
      }
      value += c;
      i++;
    }
    blank(start, i);
  };

  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') { value += src[i + 1] ?? ''; i += 2; } else { value += src[i]; i++; }
      }
      blank(start + 1, i);
      literals.set(start, value);
      i++;
    } else if (c === '`') {
      i++;
      templateText(i, true);
    } else if (c === '{' && templates.length) {
      templates[templates.length - 1]++;
      i++;
    } else if (c === '}' && templates.length && templates[templates.length - 1] === 0) {
      templates.pop();
      i++;
      templateText(i, false);
    } else if (c === '}' && templates.length) {
      templates[templates.length - 1]--;
      i++;
    } else if (c === '/' && regexAllowed(i)) {
      const start = i;
      i++;
      let inClass = false;
      while (i < src.length && src[i] !== '\n') {
        if (src[i] === '\\') { i += 2; continue; }
        if (src[i] === '[') inClass = true;
        else if (src[i] === ']') inClass = false;
        else if (src[i] === '/' && !inClass) break;
        i++;
      }
      blank(start + 1, i);
      i++;
    } else {
      i++;
    }
  }
  return { code: out.join(''), literals };
}

// ---------------------------------------------------------------------------------------------
// Imports

export interface ImportRef {
  specifier: string | null;
  line: number;
  /** `import type`, `export type`, all-`type` named specifiers, or `typeof import('…')`: erased at run time */
  typeOnly: boolean;
  form: 'from' | 'side-effect' | 'dynamic' | 'require';
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

function clauseIsTypeOnly(clause: string): boolean {
  const c = clause.trim();
  if (/^type\s+(?!from\b)\S/.test(c)) return true;
  const braces = /^\{([\s\S]*)\}$/.exec(c);
  if (!braces) return false;
  const names = braces[1].split(',').map((s) => s.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

export function findImports(src: string): ImportRef[] {
  const { code, literals } = scan(src);
  const refs: ImportRef[] = [];
  const at = (offset: number) => lineAt(code, offset);

  for (const m of code.matchAll(/\bfrom\s*(['"])/g)) {
    const quote = m.index + m[0].length - 1;
    const before = code.slice(0, m.index);
    const keywords = [...before.matchAll(/(?<![\w$.])(import|export)\b/g)];
    const kw = keywords[keywords.length - 1];
    if (!kw) continue;
    const clause = before.slice(kw.index + kw[0].length);
    refs.push({ specifier: literals.get(quote) ?? null, line: at(kw.index), typeOnly: clauseIsTypeOnly(clause), form: 'from' });
  }
  for (const m of code.matchAll(/(?<![\w$.])import\s*(['"])/g)) {
    refs.push({ specifier: literals.get(m.index + m[0].length - 1) ?? null, line: at(m.index), typeOnly: false, form: 'side-effect' });
  }
  for (const m of code.matchAll(/(?<![\w$.])(typeof\s+)?import\s*\(\s*(['"`])?/g)) {
    const quote = m[2] ? m.index + m[0].length - 1 : -1;
    refs.push({ specifier: quote >= 0 ? literals.get(quote) ?? null : null, line: at(m.index), typeOnly: Boolean(m[1]), form: 'dynamic' });
  }
  for (const m of code.matchAll(/(?<![\w$.])require\s*\(\s*(['"`])?/g)) {
    const quote = m[1] ? m.index + m[0].length - 1 : -1;
    refs.push({ specifier: quote >= 0 ? literals.get(quote) ?? null : null, line: at(m.index), typeOnly: false, form: 'require' });
  }
  return refs.sort((a, b) => a.line - b.line);
}

type Target =
  | { kind: 'file'; path: string; folder: string }
  | { kind: 'node'; name: string }
  | { kind: 'package'; name: string };

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

function resolveTarget(fromFile: string, spec: string): Target {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const path = spec.startsWith('/') ? spec : posix.normalize(posix.join(posix.dirname(fromFile), spec));
    return { kind: 'file', path, folder: path.split('/')[0] };
  }
  if (spec.startsWith('node:')) return { kind: 'node', name: spec };
  const top = spec.split('/')[0];
  if (NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(top)) return { kind: 'node', name: `node:${spec}` };
  const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : top;
  return { kind: 'package', name };
}

const stripExt = (p: string) => p.replace(/\.d\.ts$/, '').replace(/\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/, '');

// ---------------------------------------------------------------------------------------------
// Rules

export interface Violation {
  file: string;
  line: number;
  rule: string;
  detail: string;
}

const layerOf = (file: string): Layer | null => {
  const top = file.split('/')[0];
  return (LAYERS as readonly string[]).includes(top) ? (top as Layer) : null;
};

/** The rule an import breaks, or null. */
function brokenRule(file: string, layer: Layer, ref: ImportRef, target: Target): string | null {
  const isVscode = target.kind === 'package' && target.name === 'vscode';
  if (isVscode && layer !== 'extension') return "`vscode` is imported only in extension/";
  switch (layer) {
    case 'kernels': {
      const rule = 'kernels/ imports only kernels/, formats/types.ts and gpu.js (gl, webgpu in kernels/backends.ts; node:worker_threads in kernels/helperThread.ts)';
      if (target.kind === 'file') return target.folder === 'kernels' || KERNEL_EXTERNAL_FILES.includes(stripExt(target.path)) ? null : rule;
      if (target.kind === 'node') return KERNEL_NODE_MODULES[target.name]?.includes(file) ? null : rule;
      const allowed = KERNEL_PACKAGES[target.name];
      return allowed === '*' || allowed?.includes(file) ? null : rule;
    }
    case 'formats': {
      const rule = `formats/ imports only formats/, ${FORMAT_PACKAGES.join(', ')} and ${FORMAT_NODE_MODULES.join(', ')}`;
      if (target.kind === 'file') return target.folder === 'formats' ? null : rule;
      if (target.kind === 'node') return FORMAT_NODE_MODULES.includes(target.name) ? null : rule;
      return FORMAT_PACKAGES.includes(target.name) ? null : rule;
    }
    case 'protocol': {
      const rule = 'protocol/ imports only protocol/, kernels/registry.ts (pure data) and types (`import type`) from kernels/';
      if (target.kind === 'file' && target.folder === 'protocol') return null;
      if (target.kind === 'file' && target.folder === 'kernels') return ref.typeOnly || stripExt(target.path) === 'kernels/registry' ? null : rule;
      return rule;
    }
    case 'webview': {
      if (target.kind === 'node') return 'webview/ imports no node: module';
      if (target.kind === 'file' && ['engine', 'cli', 'extension'].includes(target.folder)) return 'webview/ imports nothing from engine/, cli/, extension/';
      return null;
    }
    case 'engine':
    case 'cli': {
      if (target.kind === 'file' && ['extension', 'webview'].includes(target.folder)) return `${layer}/ imports nothing from extension/ or webview/`;
      return null;
    }
    case 'extension':
      return null;
  }
}

function domUses(code: string): { offset: number; name: string }[] {
  const found: { offset: number; name: string }[] = [];
  const objects = DOM_OBJECTS.join('|');
  const names = [...DOM_OBJECTS, ...DOM_NAMES].join('|');
  for (const m of code.matchAll(new RegExp(`(?<![\\w$.])(${objects})\\s*\\??\\.(?!\\.)`, 'g'))) found.push({ offset: m.index, name: `${m[1]}.` });
  for (const m of code.matchAll(new RegExp(`(?<![\\w$.])(${DOM_NAMES.join('|')})\\b(?!\\s*\\??:)`, 'g'))) found.push({ offset: m.index, name: m[1] });
  for (const m of code.matchAll(new RegExp(`\\bglobalThis\\s*\\??\\.\\s*(${names})\\b`, 'g'))) found.push({ offset: m.index, name: `globalThis.${m[1]}` });
  return found.sort((a, b) => a.offset - b.offset);
}

/** Resolves a relative import to a file of `files` (a `.js` specifier names its `.ts` source). */
function resolveFile(files: Map<string, string>, path: string): string | null {
  const base = stripExt(path);
  for (const candidate of [path, `${base}.ts`, `${base}.tsx`, `${base}.d.ts`, `${base}.mts`, `${path}/index.ts`]) {
    if (files.has(candidate)) return candidate;
  }
  return null;
}

/**
 * Every rule broken by the files (repo-relative posix path → source text): the per-import rules,
 * DOM globals in the pure layers, triple-slash references and ambient module declarations there,
 * and node: modules or vscode that webview code reaches through the run-time imports of what it
 * imports (what would end up in the browser bundle).
 */
export function checkFiles(files: Map<string, string>): Violation[] {
  const violations: Violation[] = [];
  const imports = new Map<string, ImportRef[]>();
  for (const [file, src] of files) imports.set(file, findImports(src));

  for (const [file, src] of files) {
    const layer = layerOf(file);
    if (!layer) continue;
    for (const ref of imports.get(file)!) {
      if (ref.specifier === null) {
        violations.push({ file, line: ref.line, rule: 'an import specifier must be a string literal, so the layer rules can check it', detail: `${ref.form} import` });
        continue;
      }
      const rule = brokenRule(file, layer, ref, resolveTarget(file, ref.specifier));
      if (rule) violations.push({ file, line: ref.line, rule, detail: `imports '${ref.specifier}'${ref.typeOnly ? ' (type only)' : ''}` });
    }
    if (DOM_FREE.includes(layer)) {
      const { code } = scan(src);
      for (const use of domUses(code)) {
        violations.push({ file, line: lineAt(code, use.offset), rule: `${layer}/ uses no DOM globals`, detail: `uses ${use.name}` });
      }
      for (const m of src.matchAll(/^\s*\/\/\/\s*<reference\b[^>]*>/gm)) {
        violations.push({ file, line: lineAt(src, m.index), rule: `${layer}/ takes its globals from its tsconfig only (no triple-slash references)`, detail: m[0].trim() });
      }
      for (const m of code.matchAll(/(?<![\w$.])declare\s+(module\s*['"]|global\b)/g)) {
        violations.push({ file, line: lineAt(code, m.index), rule: `${layer}/ declares no ambient modules or globals`, detail: m[0] });
      }
    }
  }

  // What webview code pulls in at run time, transitively through relative value imports.
  for (const file of files.keys()) {
    if (layerOf(file) !== 'webview') continue;
    /** per reached file: the chain of files from the webview file, and the line of its first import */
    const seen = new Map<string, { chain: string[]; line: number }>([[file, { chain: [file], line: 0 }]]);
    const queue = [file];
    while (queue.length) {
      const current = queue.shift()!;
      const { chain, line } = seen.get(current)!;
      for (const ref of imports.get(current) ?? []) {
        if (ref.typeOnly || ref.specifier === null) continue;
        const target = resolveTarget(current, ref.specifier);
        if (current !== file && (target.kind === 'node' || (target.kind === 'package' && target.name === 'vscode'))) {
          violations.push({
            file, line, rule: 'webview/ code reaches no node: module or vscode through what it imports',
            detail: `reaches '${ref.specifier}' via ${chain.join(' → ')}:${ref.line}`,
          });
        }
        if (target.kind !== 'file') continue;
        const resolved = resolveFile(files, target.path);
        if (resolved && !seen.has(resolved)) {
          seen.set(resolved, { chain: [...chain, resolved], line: current === file ? ref.line : line });
          queue.push(resolved);
        }
      }
    }
  }
  return violations;
}

export const describeViolation = (v: Violation) => `${v.file}:${v.line}: ${v.rule}: ${v.detail}`;

/** Every .ts file under the folders, by repo-relative posix path. */
function sourceFiles(folders: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(ROOT, rel), { withFileTypes: true })) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (/\.(ts|tsx|mts|cts)$/.test(entry.name)) {
        files.set(path, readFileSync(join(ROOT, path), 'utf8'));
      }
    }
  };
  for (const folder of folders) walk(folder);
  return files;
}

// ---------------------------------------------------------------------------------------------

describe('architecture: the layers import only what their rules allow', () => {
  it('every layer file keeps to its import rules, and the pure layers use no DOM globals', () => {
    const files = sourceFiles(LAYERS);
    assert.ok(files.size > 20, `found the layer sources (${files.size} files)`);
    const violations = checkFiles(files).map(describeViolation);
    assert.deepEqual(violations, [], `${violations.length} import rule violation(s):\n  ${violations.join('\n  ')}`);
  });
});

describe('architecture checker self-check: it catches what it should (in-memory sources)', () => {
  const check = (sources: Record<string, string>) => checkFiles(new Map(Object.entries(sources)));
  const reported = (sources: Record<string, string>) => check(sources).map(describeViolation);

  it('reports a kernels file importing webview code, with file:line and the rule', () => {
    const v = reported({ 'kernels/scratch.ts': "export const a = 1;\nimport { x } from '../webview/panel.js';\n" });
    assert.equal(v.length, 1, v.join('\n'));
    assert.match(v[0], /^kernels\/scratch\.ts:2: kernels\/ imports only .*: imports '\.\.\/webview\/panel\.js'$/);
  });

  it('reports every import form', () => {
    const v = check({
      'kernels/a.ts': [
        "import type { P } from '../protocol/messages.js';",
        "export { y } from '../engine/session.js';",
        "export * from '../cli/main.js';",
        'import {',
        '  multi,',
        "} from '../extension/panel.js';",
        "import '../webview/panel.css';",
        "const m = await import('../engine/pool.js');",
        "const fs = require('node:fs');",
        "import { readFile } from 'fs/promises';",
        "import * as vscode from 'vscode';",
        "import lodash from 'lodash';",
        'const dyn = await import(someVariable);',
      ].join('\n'),
    });
    assert.deepEqual(v.map((x) => x.line), [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13]);
    assert.ok(v.find((x) => x.line === 11)!.rule.includes('`vscode` is imported only in extension/'));
  });

  it('allows what the rules allow', () => {
    const v = reported({
      'kernels/a.ts': "import { b } from './b.js';\nimport type { NdArray } from '../formats/types.js';\nimport { MaskInputError } from '../formats/types.js';\nimport type { GPU } from 'gpu.js';\nconst g = await import('gpu.js');\ntype M = typeof import('gpu.js');",
      'kernels/b.ts': 'export const b = 1;',
      'kernels/helperThread.ts': "import { Worker } from 'node:worker_threads';",
      'kernels/backends.ts': "const gl = await import('gl' as string);",
      'formats/png.ts': "import { inflateSync } from 'node:zlib';\nimport { decode } from 'fast-png';\nimport { MaskInputError } from './types.js';",
      'protocol/messages.ts': "import type { LossId } from '../kernels/types.js';\nimport { type LossInfo, type LossFamily } from '../kernels/registry.js';\nexport type { X } from '../kernels/types.js';\nimport { jsonEncode } from './jsonNumber.js';",
      'webview/panel.ts': "import Plotly from 'plotly.js-strict-dist-min';\nimport { LOSSES } from '../kernels/registry.js';\nimport './panel.css';",
      'kernels/registry.ts': 'export const LOSSES = {};',
      'engine/worker.ts': "import { parentPort } from 'node:worker_threads';\nimport { x } from '../kernels/evaluate.js';",
      'extension/panel.ts': "import * as vscode from 'vscode';\nimport { renderPanelHtml } from '../webview/html.js';",
    });
    assert.deepEqual(v, []);
  });

  it('keeps the narrow exceptions narrow', () => {
    const v = reported({
      'kernels/distance.ts': "import { Worker } from 'node:worker_threads';",
      'kernels/gpu/x.ts': "const gl = await import('gl');",
      'formats/nifti.ts': "import { readFileSync } from 'node:fs';\nimport { join } from 'path';\nimport { x } from '../kernels/registry.js';",
      'protocol/validate.ts': "import { evaluate } from '../kernels/evaluate.js';\nimport { x } from 'node:util';",
      'webview/panel.ts': "import { join } from 'node:path';\nimport { readFileSync } from 'fs';\nimport { x } from '../engine/present.js';\nimport { y } from '../extension/settings.js';",
      'engine/session.ts': "import type { Panel } from '../extension/panel.js';\nimport { z } from '../webview/format.js';\nimport * as vscode from 'vscode';",
      'cli/table.ts': "import { formatValue } from '../webview/format.js';",
    });
    assert.equal(v.length, 15, v.join('\n'));
  });

  it('reads no imports out of comments, strings or templates', () => {
    const v = reported({
      'kernels/a.ts': [
        "// import { x } from '../webview/panel.js';",
        "/* import('vscode') and require('node:fs') */",
        "const s = \"import { y } from '../engine/session.js'\";",
        "const t = `require('node:fs') ${`import('vscode')`} ${ { a: 1 }.a } import '../cli/main.js'`;",
        "const r = /from '..\\/webview'/;",
        "const WORKER = `\nconst { parentPort } = require('node:worker_threads');\n`;",
        "const o = { from: 'x' };",
        "Array.from('abc');",
      ].join('\n'),
    });
    assert.deepEqual(v, []);
  });

  it('reports DOM globals in the pure layers, but not property names, comments or strings', () => {
    const v = check({
      'kernels/a.ts': [
        'const el = document.createElement("canvas");',
        'const w = window?.innerWidth;',
        'const style = getComputedStyle(el);',
        'requestAnimationFrame(() => {});',
        'const x: HTMLElement | null = null;',
        'const ua = navigator.userAgent;',
        'const d = globalThis.document;',
        'localStorage.setItem("a", "b");',
      ].join('\n'),
      'kernels/b.ts': [
        '// document.body and window.x',
        "const s = 'navigator.gpu';",
        'const holder = globalThis as { navigator?: { gpu?: unknown } };',
        'if (holder.navigator) delete holder.navigator.gpu;',
        "Object.defineProperty(globalThis, 'navigator', { value: 1 });",
      ].join('\n'),
      'formats/c.ts': 'const y = window.devicePixelRatio;',
      'protocol/d.ts': 'export const z = document.title;',
      'engine/e.ts': 'const ok = document.title;',
    });
    assert.deepEqual(v.map((x) => `${x.file}:${x.line}`), [
      'kernels/a.ts:1', 'kernels/a.ts:2', 'kernels/a.ts:3', 'kernels/a.ts:4', 'kernels/a.ts:5', 'kernels/a.ts:6', 'kernels/a.ts:7', 'kernels/a.ts:8',
      'formats/c.ts:1', 'protocol/d.ts:1',
    ]);
  });

  it('reports ambient declarations and triple-slash references in the pure layers', () => {
    const v = check({
      'kernels/node.d.ts': "/// <reference types=\"node\" />\ndeclare module 'node:worker_threads' { export const Worker: any; }\ndeclare global { var x: number }",
      'webview/plotly.d.ts': "declare module 'plotly.js-strict-dist-min' { const P: any; export default P; }",
    });
    assert.deepEqual(v.map((x) => `${x.file}:${x.line}`), ['kernels/node.d.ts:1', 'kernels/node.d.ts:2', 'kernels/node.d.ts:3']);
  });

  it('reports node: modules that webview code reaches through what it imports', () => {
    const v = check({
      'webview/panel.ts': "import type { T } from '../kernels/types.js';\nimport { contours } from '../kernels/overlay.js';",
      'webview/format.ts': "import type { T } from '../kernels/types.js';\nimport { LOSSES } from '../kernels/registry.js';",
      'kernels/overlay.ts': "import { squared } from './helperThread.js';",
      'kernels/helperThread.ts': "export const a = 1;\nimport { Worker } from 'node:worker_threads';",
      // only reached through type imports, which are erased from the bundle
      'kernels/types.ts': "import { squared } from './helperThread.js';",
      'kernels/registry.ts': 'export const LOSSES = {};',
    });
    assert.equal(v.length, 1, v.map(describeViolation).join('\n'));
    assert.match(describeViolation(v[0]), /^webview\/panel\.ts:2: .*reaches 'node:worker_threads' via webview\/panel\.ts → kernels\/overlay\.ts → kernels\/helperThread\.ts:2$/);
  });
});
