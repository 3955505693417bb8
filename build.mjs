// One esbuild build for every entry point; each bundle is self-contained in dist/.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');

// The package is "type": "module" because fast-png and nifti-reader-js are ESM-only. The CLI and the
// evaluation worker are ESM bundles; the VS Code extension entry is CommonJS (dist/extension.cjs).
/** Node-side ESM bundles: the CLI and its evaluation worker. gpu.js and its native modules stay external. */
const nodeEntries = [
  { in: 'cli/bin.ts', out: 'cli' },
  { in: 'cli/evaluateWorker.ts', out: 'evaluateWorker' },
];

const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20' };

const builds = [
  {
    ...common,
    entryPoints: nodeEntries,
    outdir: 'dist',
    platform: 'node',
    format: 'esm',
    external: ['gpu.js', 'gl', 'webgpu', 'vscode'],
    // bundled CommonJS dependencies call require(): give the ESM bundle one
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __segscopeCreateRequire } from 'node:module';\nconst require = __segscopeCreateRequire(import.meta.url);" },
  },
  // The VS Code extension host side (extension/): CommonJS, as the extension host require()s it.
  {
    ...common,
    entryPoints: [
      { in: 'extension/extension.ts', out: 'extension' },
      { in: 'extension/detailsWorker.ts', out: 'detailsWorker' },
    ],
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    platform: 'node',
    format: 'cjs',
    external: ['vscode', 'gpu.js', 'gl', 'webgpu'],
  },
  // The results panel webview (webview/): one browser bundle plus its CSS (dist/webview/panel.js, panel.css).
  {
    bundle: true,
    sourcemap: true,
    logLevel: 'warning',
    entryPoints: [{ in: 'webview/panel.ts', out: 'panel' }],
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: ['chrome114'],
    minify: true,
    legalComments: 'linked',
  },
];

for (const options of builds) {
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}
