/**
 * Hand-made hostile files of every class of issue #11, through the real CLI (dist/cli.js, spawned):
 * absurd label values and class counts, crafted NPY headers, decompression bombs, terminal escapes
 * in names and headers, inconsistent limits. Each bad input must exit 2 with ONE line on stderr that
 * names the file and the problem — no stack trace, no raw control character — within a time bound
 * and a peak-RSS bound of the child (GNU time's %M when /usr/bin/time works, else a preload that
 * reports process.resourceUsage().maxRSS at exit). A table of the times and peaks is printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants as zlibConstants, crc32, createDeflate, createGzip } from 'node:zlib';
import { encodeNifti, encodeNpy, encodePng } from '../fixtures/encode.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
let dir = '';

// ---------------------------------------------------------------------------------------------
// Peak RSS of the child

const PRELOAD = `process.on('exit', () => { try { require('fs').writeFileSync(process.env.SEGSCOPE_RSS_FILE, String(process.resourceUsage().maxRSS)); } catch {} });\n`;

type Meter = 'gnu-time' | 'preload';
let meter: Meter = 'preload';

function chooseMeter(): Meter {
  const out = join(dir, 'time-probe.txt');
  if (process.env.SEGSCOPE_RSS_METER === 'preload' || !existsSync('/usr/bin/time')) return 'preload';
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, process.execPath, '-e', '0'], { encoding: 'utf8' });
  return r.status === 0 && existsSync(out) && /^\d+\s*$/.test(readFileSync(out, 'utf8')) ? 'gnu-time' : 'preload';
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  rssMB: number;
}

function cli(...args: string[]): Run {
  const rssFile = join(dir, `rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const t0 = performance.now();
  const r =
    meter === 'gnu-time'
      ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...args], { encoding: 'utf8', timeout: 60_000 })
      : spawnSync(process.execPath, ['-r', join(dir, 'rss-preload.cjs'), CLI, ...args], {
          encoding: 'utf8',
          timeout: 60_000,
          env: { ...process.env, SEGSCOPE_RSS_FILE: rssFile },
        });
  const ms = performance.now() - t0;
  const kb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) : NaN;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms, rssMB: kb / 1024 };
}

// ---------------------------------------------------------------------------------------------
// Hostile file builders

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A deflate (zlib) or gzip stream of `prefix` followed by `zeros` zero bytes, without holding the zeros. */
async function zeroStream(kind: 'zlib' | 'gzip', zeros: number, prefix: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
  const z = kind === 'zlib' ? createDeflate({ level: 9, strategy: zlibConstants.Z_RLE }) : createGzip({ level: 9, strategy: zlibConstants.Z_RLE });
  const parts: Buffer[] = [];
  z.on('data', (c: Buffer) => parts.push(c));
  const done = new Promise((resolve) => z.on('end', resolve));
  const chunk = Buffer.alloc(1 << 24);
  if (prefix.length) z.write(prefix);
  for (let left = zeros; left > 0; left -= chunk.length) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!z.write(part)) await new Promise((resolve) => z.once('drain', resolve));
  }
  z.end();
  await done;
  return new Uint8Array(Buffer.concat(parts));
}

function pngChunk(type: string | Uint8Array, data: Uint8Array, crc?: number): Uint8Array {
  const t = typeof type === 'string' ? Uint8Array.from(type, (c) => c.charCodeAt(0)) : type;
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(t, 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc ?? crc32(Buffer.concat([t, data])));
  return out;
}

/** A PNG with the given IHDR fields and IDAT stream (CRCs right). */
function pngWith(width: number, height: number, depth: number, colourType: number, idat: Uint8Array, extra: Uint8Array[] = []): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([depth, colourType, 0, 0, 0], 8);
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), ...extra, pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))]),
  );
}

/** An NPY file whose header dictionary text is `dict` (v1 or v2 preamble), followed by `data`. */
function npyWithHeader(dict: string, data = new Uint8Array(0), version: 1 | 2 = 2): Uint8Array {
  const text = Buffer.from(dict, 'latin1');
  const pre = version === 1 ? 10 : 12;
  const out = new Uint8Array(pre + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, text.length, true);
  else v.setUint32(8, text.length, true);
  out.set(text, pre);
  out.set(data, pre + text.length);
  return out;
}

/** A NIfTI-1 header (352 bytes with the extension flag) claiming `dims` (x first) of `datatype`. */
function niftiHeader(dims: number[], datatype: number, bitpix: number): Uint8Array {
  const h = encodeNifti(new Uint8Array(1), [1]).subarray(0, 352).slice();
  const v = new DataView(h.buffer);
  v.setInt16(40, dims.length, true);
  dims.forEach((d, i) => v.setInt16(42 + i * 2, d, true));
  v.setInt16(70, datatype, true);
  v.setInt16(72, bitpix, true);
  return h;
}

// ---------------------------------------------------------------------------------------------

const H = 8;
const W = 8;
const gtLabels = () => {
  const g = new Uint8Array(H * W);
  for (let i = 0; i < g.length; i++) g[i] = (i * 7) % 3;
  return g;
};

interface Case {
  name: string;
  /** the command line after `evaluate` (built in `before`) */
  args: () => string[];
  /** 2 (bad input, the default) or 0 (accepted) */
  code?: 0 | 2;
  /** what the one stderr line (or stdout, for code 0) must mention */
  mention: (string | RegExp)[];
  /** wall-clock bound of the child, ms (default 5000) */
  maxMs?: number;
  /** peak RSS bound of the child, MB (default 300) */
  maxRssMB?: number;
}

const paths: Record<string, string> = {};
const results: { name: string; code: number | null; ms: number; rssMB: number; line: string }[] = [];

const ESC_NAME = 'evil\n\x1b[31mred\x1b[0m.npy';

const cases: Case[] = [
  {
    name: 'int32 label value 2e9 (class count = max label + 1)',
    args: () => [paths.label2e9, paths.gt],
    mention: ['label-2e9.npy', '2000000000', 'limit of 1024', '--max-classes'],
    maxMs: 2000,
    maxRssMB: 200,
  },
  {
    name: '--classes 2000000000',
    args: () => [paths.gt, paths.gt, '--classes', '2000000000'],
    mention: ['--classes 2000000000', 'limit of 1024'],
    maxMs: 2000,
    maxRssMB: 200,
  },
  {
    name: '--max-classes 4096 lets a pair with label 2000 through',
    args: () => [paths.label2000, paths.label2000, '--max-classes', '4096', '--losses', 'dice', '--json'],
    code: 0,
    mention: ['"classes": 2001'],
  },
  {
    name: '--max-classes 20000 is over the ceiling',
    args: () => [paths.gt, paths.gt, '--max-classes', '20000'],
    mention: ['--max-classes must be an integer from 2 to 16384; got 20000'],
  },
  {
    name: '16-bit PNG labels up to 65535',
    args: () => [paths.png65535, paths.png65535],
    mention: ['labels-65535.png', '65535', 'limit of 1024'],
  },
  {
    name: 'NIfTI scl_slope making labels 10^6',
    args: () => [paths.slope, paths.slope],
    mention: ['slope-1e6.nii', '2000000', 'limit of 1024'],
  },
  {
    name: '.npy probability map of 10^6 channels',
    args: () => [paths.channels, paths.gt12],
    mention: ['channels-1e6.npy', '1000000 channels', 'limit of 1024'],
  },
  {
    name: 'NPY header of 4 MB with a crafted shape string',
    args: () => [paths.header4m, paths.gt],
    mention: ['header-4mb.npy', /header length field says 4\d{6} bytes, over the limit of 65536/],
    maxMs: 2000,
  },
  {
    name: 'NPY header of 60 KiB with an adversarial shape (within the limit)',
    args: () => [paths.header60k, paths.gt],
    mention: ['header-60k.npy', /corrupt NPY header/],
    maxMs: 2000,
  },
  {
    name: '8x8 PNG whose IDAT inflates to 1 GiB',
    args: () => [paths.pngBomb, paths.gt],
    mention: ['bomb-8x8.png', /inflates to more than the 72 bytes/, /decompression bomb/],
    maxMs: 2000,
    maxRssMB: 200,
  },
  {
    name: '1.5 MB PNG claiming 40000x40000',
    args: () => [paths.png40k, paths.gt],
    mention: ['huge-40000.png', 'dimensions 40000x40000 exceed the limit of 536870912 elements'],
    maxMs: 2000,
    maxRssMB: 200,
  },
  {
    name: '.nii.gz claiming 4 GiB of float64 (within the element limit, over the decoded limit)',
    args: () => [paths.nii4g, paths.gt],
    mention: ['claims-4g.nii.gz', /4\.0 GiB once decompressed, over the limit of 2\.0 GiB/, '--max-file-mb'],
    maxMs: 2000,
    maxRssMB: 200,
  },
  {
    name: '.nii.gz claiming exactly 4 GiB with --max-file-mb 0 (no limit)',
    args: () => [paths.nii4gExact, paths.gt, '--max-file-mb', '0'],
    mention: ['exact-4g.nii.gz', /over the limit of 4\.0 GiB/],
    maxMs: 2000,
    maxRssMB: 200,
  },
  {
    name: '.nii.gz claiming 8x8x8 whose gzip stream holds 1 GiB',
    args: () => [paths.niiBomb, paths.gt],
    mention: ['lying-bomb.nii.gz', /the gzip stream holds more/],
    maxMs: 2000,
    maxRssMB: 200,
  },
  {
    name: '--max-file-mb -5',
    args: () => [paths.gt, paths.gt, '--max-file-mb', '-5'],
    mention: ['--max-file-mb', 'got -5', '0 for no limit'],
  },
  {
    name: '--max-file-mb 0 is no limit (accepted)',
    args: () => [paths.gt, paths.gt, '--max-file-mb', '0', '--losses', 'dice', '--json'],
    code: 0,
    mention: ['"dice"'],
  },
  {
    name: '--max-file-mb 0.0001 refuses a 4 KB file, naming the limit',
    args: () => [paths.gt4k, paths.gt, '--max-file-mb', '0.0001'],
    mention: ['gt-4k.npy', 'over the limit of 105 bytes', '--max-file-mb'],
  },
  {
    name: 'a file name with a newline and ANSI escapes',
    args: () => [paths.escName, paths.gt],
    mention: ['evil\\x0a\\x1b[31mred\\x1b[0m.npy', '2000000000'],
  },
  {
    name: 'an NPY dtype string with terminal escapes',
    args: () => [paths.escDtype, paths.gt],
    mention: ['esc-dtype.npy', "unsupported dtype '\\x1b[2J\\x1b[31m<f4'"],
  },
  {
    name: 'an NPY shape string with terminal escapes',
    args: () => [paths.escShape, paths.gt],
    mention: ['esc-shape.npy', /corrupt NPY header: .*\\x1b/],
  },
  {
    name: 'NPY header text with control bytes',
    args: () => [paths.escHeader, paths.gt],
    mention: ['esc-header.npy', /corrupt NPY header: unexpected character '\\x07'/],
  },
  {
    name: 'a PNG chunk type with control bytes (truncated chunk)',
    args: () => [paths.escChunk, paths.gt],
    mention: ['esc-chunk.png', "chunk '\\x1b[2J'"],
  },
  {
    name: 'a NIfTI magic with control bytes',
    args: () => [paths.escMagic, paths.gt],
    mention: ['esc-magic.nii', "magic '\\x1b]0'"],
  },
  {
    name: 'an all-NaN sform is accepted with a warning',
    args: () => [paths.nanSform, paths.nanSform, '--json', '--losses', 'dice'],
    code: 0,
    mention: [/sform_code is 1 but the sform holds NaN or Inf/],
  },
];

describe('hostile files through the CLI: exit 2, one escaped line naming the file, bounded time and memory', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'segscope-hostile-'));
    writeFileSync(join(dir, 'rss-preload.cjs'), PRELOAD);
    meter = chooseMeter();

    paths.gt = file('gt.npy', encodeNpy(gtLabels(), [H, W]));
    paths.gt12 = file('gt12.npy', encodeNpy(new Uint8Array([0, 1]), [1, 2]));
    paths.gt4k = file('gt-4k.npy', encodeNpy(new Uint8Array(4096), [64, 64]));
    const big = new Int32Array(H * W);
    big.set(gtLabels());
    big[5] = 2e9;
    paths.label2e9 = file('label-2e9.npy', encodeNpy(big, [H, W]));
    paths.escName = file(ESC_NAME, encodeNpy(big, [H, W]));
    const l2000 = Int32Array.from(gtLabels());
    l2000[7] = 2000;
    paths.label2000 = file('label-2000.npy', encodeNpy(l2000, [H, W]));

    const l16 = Uint16Array.from(gtLabels());
    l16[10] = 65535;
    paths.png65535 = file('labels-65535.png', encodePng(l16, [H, W]));
    paths.slope = file('slope-1e6.nii', encodeNifti(gtLabels(), [H, W], { sclSlope: 1e6 }));
    paths.channels = file('channels-1e6.npy', encodeNpy(new Float32Array(2e6).fill(1e-6), [1e6, 1, 2]));

    const shape4m = `(${'1, '.repeat(1_400_000)}`; // never closed: the old regex backtracked on it
    paths.header4m = file('header-4mb.npy', npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': ${shape4m}}`));
    const shape60k = `(${'('.repeat(20_000)}${'1,'.repeat(19_000)}`;
    paths.header60k = file('header-60k.npy', npyWithHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': ${shape60k}}`));

    paths.pngBomb = file('bomb-8x8.png', pngWith(8, 8, 8, 0, await zeroStream('zlib', 2 ** 30)));
    paths.png40k = file('huge-40000.png', pngWith(40000, 40000, 8, 0, await zeroStream('zlib', 1.5e9)));

    // 1024 x 1024 x 512 float64: 2^29 elements (the element limit), 4 GiB of data
    const h4g = niftiHeader([1024, 1024, 512], 64, 64);
    paths.nii4g = file('claims-4g.nii.gz', await zeroStream('gzip', 4096, h4g));
    paths.nii4gExact = file('exact-4g.nii.gz', await zeroStream('gzip', 4096, h4g));
    paths.niiBomb = file('lying-bomb.nii.gz', await zeroStream('gzip', 2 ** 30, niftiHeader([8, 8, 8], 2, 8)));

    const data64 = new Uint8Array(H * W * 4);
    const dict = (descr: string, fortran: string, shape: string) => `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
    paths.escDtype = file('esc-dtype.npy', npyWithHeader(dict("'\x1b[2J\x1b[31m<f4'", 'False', '(8, 8)'), data64, 1));
    paths.escShape = file('esc-shape.npy', npyWithHeader(dict("'<f4'", 'False', '(\x1b[3, 8)'), data64, 1));
    paths.escHeader = file('esc-header.npy', npyWithHeader(dict("'<f4'", '\x07False', '(8, 8)'), data64, 1));

    const good = encodePng(gtLabels(), [H, W]);
    const chunkAt = 33; // the chunk after IHDR
    const escChunk = new Uint8Array(good.subarray(0, chunkAt + 8 + 16));
    new DataView(escChunk.buffer).setUint32(chunkAt, 1_000_000);
    escChunk.set([0x1b, 0x5b, 0x32, 0x4a], chunkAt + 4);
    paths.escChunk = file('esc-chunk.png', escChunk);

    const nii = encodeNifti(gtLabels(), [H, W]);
    nii.set([0x1b, 0x5d, 0x30], 344);
    paths.escMagic = file('esc-magic.nii', nii);
    const sform = [[NaN, NaN, NaN, NaN], [NaN, NaN, NaN, NaN], [NaN, NaN, NaN, NaN], [0, 0, 0, 1]];
    paths.nanSform = file('nan-sform.nii', encodeNifti(gtLabels(), [H, W], { affine: sform }));
  });

  after(() => {
    console.log(`\nhostile files through dist/cli.js (peak RSS by ${meter === 'gnu-time' ? '/usr/bin/time %M' : 'process.resourceUsage().maxRSS'}):`);
    for (const r of results) {
      console.log(`  ${r.name.padEnd(86)} exit ${r.code}  ${r.ms.toFixed(0).padStart(5)} ms  ${r.rssMB.toFixed(0).padStart(4)} MB  ${r.line.slice(0, 110)}`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(c.name, () => {
      const r = cli('evaluate', ...c.args());
      const code = c.code ?? 2;
      const line = code === 2 ? r.stderr.trimEnd() : '';
      results.push({ name: c.name, code: r.code, ms: r.ms, rssMB: r.rssMB, line });
      assert.equal(r.code, code, `exit status (stderr: ${r.stderr})`);
      const text = code === 2 ? r.stderr : r.stdout;
      if (code === 2) {
        assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `one line on stderr, got:\n${r.stderr}`);
        assert.ok(r.stderr.endsWith('\n'));
        assert.doesNotMatch(r.stderr, /\n\s+at |Error: .*\n/, 'no stack trace');
        assert.ok(r.stderr.length < 700, `a short line (${r.stderr.length} characters)`);
        assert.equal(r.stdout, '');
      }
      // no raw control character reaches the terminal (the newline ending the line aside)
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(text.replace(/\n$/, ''), code === 2 ? /[\x00-\x1f\x7f]/ : /[\x00-\x08\x0b-\x1f\x7f]/, 'no raw control characters');
      for (const m of c.mention) {
        if (typeof m === 'string') assert.ok(text.includes(m), `mentions ${JSON.stringify(m)}: ${text.slice(0, 600)}`);
        else assert.match(text, m);
      }
      assert.ok(r.ms < (c.maxMs ?? 5000), `${r.ms.toFixed(0)} ms within ${c.maxMs ?? 5000} ms`);
      assert.ok(Number.isFinite(r.rssMB), 'peak RSS measured');
      assert.ok(r.rssMB < (c.maxRssMB ?? 300), `peak RSS ${r.rssMB.toFixed(0)} MB within ${c.maxRssMB ?? 300} MB`);
    });
  }
});
