// The build is a table of entries, one per surface; each bundle is self-contained in dist/.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');

// The package is "type": "module" because fast-png and nifti-reader-js are ESM-only. The CLI and the
// engine's worker are ESM bundles; the VS Code extension entry is CommonJS (dist/extension.cjs), as the
// extension host require()s it. gpu.js and its native modules stay external.
const common = { bundle: true, sourcemap: true, logLevel: 'warning' };
const nodeExternal = ['gpu.js', 'gl', 'webgpu', 'vscode'];

/** Node-side entries: [source, dist name, format]. */
const nodeEntries = [
  ['cli/bin.ts', 'cli', 'esm'],
  ['engine/worker.ts', 'engineWorker', 'esm'],
  ['extension/extension.ts', 'extension', 'cjs'],
];

/** Browser entries, one per surface: [source, dist/webview name, format]. A page's CSS lands beside it (name.css). */
const surfaces = [
  // the results panel page
  ['webview/entries/panel.ts', 'panel', 'iife'],
  ['webview/entries/comparison.ts', 'comparison', 'iife'],
  ['webview/entries/folders.ts', 'folders', 'iife'],
  ['webview/entries/notebook.ts', 'notebook', 'esm'],
];

const esmBanner = "#!/usr/bin/env node\nimport { createRequire as __segscopeCreateRequire } from 'node:module';\nconst require = __segscopeCreateRequire(import.meta.url);";

const builds = [
  ...nodeEntries.map(([source, out, format]) => ({
    ...common,
    entryPoints: [{ in: source, out }],
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format,
    external: nodeExternal,
    ...(format === 'esm'
      ? { banner: { js: esmBanner } } // bundled CommonJS dependencies call require(): give the ESM bundle one
      : { outExtension: { '.js': '.cjs' } }),
  })),
  ...surfaces.map(([source, out, format]) => ({
    ...common,
    entryPoints: [{ in: source, out }],
    outdir: 'dist/webview',
    platform: 'browser',
    format,
    target: ['chrome114'],
    minify: true,
    legalComments: 'linked',
    // the ESM entry imports the components' CSS as text itself; their bare `import './x.css'` is then moot
    ...(format === 'esm' ? { loader: { '.css': 'text' }, logOverride: { 'ignored-bare-import': 'silent' } } : {}),
  })),
];

await Promise.all(builds.map(async (options) => (watch ? (await esbuild.context(options)).watch() : esbuild.build(options))));
