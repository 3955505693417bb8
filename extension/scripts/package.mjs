#!/usr/bin/env node
// Packages the extension as dist/segscope.vsix with @vscode/vsce (run after `npm run build`),
// then checks what went in: the runtime bundles and gpu.js (with its runtime dependencies), and
// no sources, tests, source maps or .e2e/. Prints the file list and the size.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist', 'segscope.vsix');

for (const f of ['dist/extension.cjs', 'dist/engineWorker.js', 'dist/webview/panel.js', 'dist/webview/panel.css', 'dist/webview/comparison.js', 'dist/webview/folders.js', 'dist/webview/folders.css', 'dist/webview/notebook.js']) {
  if (!existsSync(join(root, f))) {
    console.error(`package: ${f} is missing; run \`npm run build\` first`);
    process.exit(1);
  }
}

const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
execFileSync(process.execPath, [vsce, 'package', '--out', out, '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--no-update-package-json', '--no-git-tag-version'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});

// List what went in: the zip's central directory (entries are under extension/).
const files = zipEntries(readFileSync(out))
  .filter((n) => n.startsWith('extension/') && !n.endsWith('/'))
  .map((n) => n.slice('extension/'.length));
const problems = [];
const must = ['dist/extension.cjs', 'dist/engineWorker.js', 'dist/webview/panel.js', 'dist/webview/panel.css', 'dist/webview/comparison.js', 'dist/webview/comparison.css', 'dist/webview/folders.js', 'dist/webview/folders.css', 'dist/webview/notebook.js', 'media/segscope.svg', 'node_modules/gpu.js/src/index.js', 'node_modules/gpu.js/package.json', 'node_modules/acorn/dist/acorn.js', 'node_modules/gpu-mock.js/index.js'];
for (const f of must) if (!files.includes(f)) problems.push(`missing ${f}`);
for (const f of files) {
  if (/\.(ts|map)$/.test(f) && !f.endsWith('.d.ts')) problems.push(`source file inside: ${f}`);
  if (/^(test|\.e2e|extension|kernels|formats|cli|webview|bench|\.ci)\//.test(f)) problems.push(`non-runtime file inside: ${f}`);
}
const size = statSync(out).size;
console.log(`\n${out}: ${files.length} files, ${(size / 1024).toFixed(1)} KiB (${size} bytes)`);
if (problems.length) {
  console.error(`package: the .vsix is wrong:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

/** The entry names of a zip file, from its central directory. */
function zipEntries(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad zip central directory');
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}
