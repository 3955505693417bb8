/**
 * `segscope stats` (issue #10) against scipy and numpy, computed here by python3:
 *  - the Wilcoxon signed-rank p-value equals `scipy.stats.wilcoxon(d, zero_method="wilcox")` to 1e-9,
 *    exact (`method="exact"`) up to 25 non-zero differences and the normal approximation
 *    (`method="asymptotic"`, no continuity correction) beyond, with ties and zeros;
 *  - Holm's adjustment as its definition computes it; no p-value under 6 pairs;
 *  - the mean paired difference B − A to 1e-12; the bootstrap CI within what 10,000 resamples
 *    justify of numpy's (the generators differ): |JS − numpy| < 0.2 σ*, σ* the standard deviation of
 *    the bootstrap means (the Monte Carlo error of a 2.5% quantile of 10,000 resamples is ≈ 0.027 σ*
 *    each, so 0.2 σ* is over five standard errors of the difference); the same seed gives the same CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCaseLine } from '../../engine/caseLog.js';
import { compareRuns, holm, normalSf, percentileSorted, wilcoxon, Xoshiro128 } from '../../engine/stats.js';
import { rng } from '../fixtures/random.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

function python(script: string, input: unknown): any {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const SCIPY_WILCOXON = `
import json, sys, warnings
import numpy as np
from scipy import stats
warnings.simplefilter('ignore')
out = []
for d in json.load(sys.stdin):
    d = np.asarray(d, dtype=float)
    nz = int(np.count_nonzero(d))
    method = 'exact' if nz <= 25 else 'asymptotic'
    r = stats.wilcoxon(d, zero_method='wilcox', method=method)
    out.append({'p': float(r.pvalue), 'method': method, 'nonzero': nz})
print(json.dumps(out))
`;

describe('Wilcoxon signed-rank against scipy', () => {
  it('the same p-values to 1e-9, exact and normal, with ties and zeros', () => {
    const vectors: number[][] = [];
    const random = rng(42);
    for (let n = 6; n <= 60; n += 3) {
      // continuous; rounded (ties); with zeros; shifted (small p)
      const base = Array.from({ length: n }, () => random() * 2 - 1 + 0.15);
      vectors.push(base);
      vectors.push(base.map((x) => Math.round(x * 4) / 4));
      vectors.push(base.map((x, i) => (i % 4 === 0 ? 0 : Math.round(x * 10) / 10)));
      vectors.push(base.map((x) => x + 0.6));
    }
    vectors.push([1, 2, 3, 4, 5, 6]);
    vectors.push([-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16, -17, -18, -19, -20, -21, -22, -23, -24, -25]);
    vectors.push([0, 0, 0, 1, -1, 2, -2, 2, 3, 3, 3, -3]);
    vectors.push(Array.from({ length: 26 }, (_, i) => (i % 2 ? 1 : -1) * (i + 1)));
    vectors.push([0, 0, 0, 0, 0, 0]);
    const expected = python(SCIPY_WILCOXON, vectors);
    let exact = 0;
    let normal = 0;
    vectors.forEach((d, i) => {
      const w = wilcoxon(d);
      const e = expected[i];
      assert.equal(w.n, e.nonzero);
      assert.equal(w.method, e.method === 'exact' ? 'exact' : 'normal');
      if (w.method === 'exact') exact++;
      else normal++;
      assert.ok(Math.abs(w.p - e.p) <= 1e-9, `vector ${i} (n=${d.length}, ${w.method}): ${w.p} vs scipy ${e.p}`);
    });
    assert.ok(exact > 10 && normal > 10, `both methods tested (${exact} exact, ${normal} normal)`);
  });

  it('the normal tail is accurate far out (against scipy.stats.norm.sf)', () => {
    const zs = [0, 0.1, 0.5, 1, 1.5, 1.96, 2.5, 3, 3.5, 4, 5, 6, 8, 10, -0.7, -2];
    const expected = python('import json,sys\nfrom scipy import stats\nprint(json.dumps([float(stats.norm.sf(z)) for z in json.load(sys.stdin)]))', zs);
    zs.forEach((z, i) => {
      const got = normalSf(z);
      assert.ok(Math.abs(got - expected[i]) <= 1e-15 + 1e-12 * expected[i], `sf(${z}) = ${got} vs ${expected[i]}`);
    });
  });

  it("Holm's step-down adjustment", () => {
    assert.deepEqual(holm([0.01, 0.04, 0.03, null, 0.005]), [0.03, 0.06, 0.06, null, 0.02]);
    assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
    assert.deepEqual(holm([0.2, 0.01]), [0.2, 0.02]);
    assert.deepEqual(holm([null]), [null]);
  });
});

describe('bootstrap', () => {
  it("numpy's percentile, and a seeded generator: the same seed the same stream, another seed another", () => {
    assert.equal(percentileSorted([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentileSorted([1, 2, 3, 4, 5], 2.5), 1.1);
    const a = new Xoshiro128(7, 'dice');
    const b = new Xoshiro128(7, 'dice');
    const c = new Xoshiro128(8, 'dice');
    const d = new Xoshiro128(7, 'iou');
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    assert.deepEqual(Array.from({ length: 5 }, () => b.nextUint32()), xs);
    assert.notDeepEqual(Array.from({ length: 5 }, () => c.nextUint32()), xs);
    assert.notDeepEqual(Array.from({ length: 5 }, () => d.nextUint32()), xs);
    const u = Array.from({ length: 20000 }, () => a.next());
    const mean = u.reduce((s, x) => s + x, 0) / u.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01 && u.every((x) => x >= 0 && x < 1));
  });
});

// ---------------------------------------------------------------------------------------------
// Two runs written as case logs

interface Measures {
  losses: Record<string, number>;
  fg: { dice: number; iou: number; precision: number; recall: number };
}

function logLine(key: string, m: Measures | null): string {
  const enc = (v: number) => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : 'Infinity');
  const h = (c: string) => c.repeat(64);
  if (!m) return encodeCaseLine({ case: key, predSha256: h('a'), gtSha256: h('b'), optionsSha256: h('c'), error: 'corrupt' });
  const result = {
    prediction: { path: `/p/${key}.png`, shape: [8, 8], kind: 'labels' }, target: { path: `/g/${key}.png`, shape: [8, 8] },
    binary: true, classes: 2, spacing: [1, 1],
    losses: Object.fromEntries(Object.entries(m.losses).map(([k, v]) => [k, enc(v)])),
    perClass: [],
    metrics: { pixelAccuracy: 1, perClass: [], meanForeground: { dice: enc(m.fg.dice), iou: enc(m.fg.iou), precision: enc(m.fg.precision), recall: enc(m.fg.recall) } },
    warnings: [], backend: 'reference',
  };
  return encodeCaseLine({ case: key, predSha256: h('a'), gtSha256: h('b'), optionsSha256: h('c'), result: result as never });
}

const NUMPY_STATS = `
import json, sys, warnings
import numpy as np
from scipy import stats
warnings.simplefilter('ignore')
spec = json.load(sys.stdin)
def read(path):
    out = {}
    for line in open(path):
        l = json.loads(line)
        if 'result' not in l: continue
        r = l['result']; m = {k: float(v) for k, v in r['losses'].items()}
        for k, v in r['metrics']['meanForeground'].items(): m['metrics.' + k] = float(v)
        out[l['case']] = m
    return out
A, B = read(spec['a']), read(spec['b'])
keys = sorted(set(A) & set(B))
res = {}
for m in spec['measures']:
    a = np.array([A[k][m] for k in keys]); b = np.array([B[k][m] for k in keys])
    ok = np.isfinite(a) & np.isfinite(b)
    d = b[ok] - a[ok]
    n = int(ok.sum())
    e = {'n': n, 'meanA': float(a[ok].mean()), 'meanB': float(b[ok].mean()), 'meanDiff': float(d.mean())}
    rng = np.random.default_rng(spec['seed'])
    idx = rng.integers(0, n, size=(spec['bootstrap'], n))
    means = d[idx].mean(axis=1)
    e['ci95'] = [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]
    e['sigma'] = float(means.std())
    if n >= 6:
        nz = int(np.count_nonzero(d))
        e['p'] = float(stats.wilcoxon(d, zero_method='wilcox', method='exact' if nz <= 25 else 'asymptotic').pvalue)
    else:
        e['p'] = None
    res[m] = e
ps = [(res[m]['p'], m) for m in spec['measures'] if res[m]['p'] is not None]
ps.sort()
running = 0.0
for i, (p, m) in enumerate(ps):
    running = max(running, min(1.0, (len(ps) - i) * p))
    res[m]['holm'] = running
print(json.dumps(res))
`;

describe('segscope stats: two runs on the same cases', () => {
  let dir = '';
  let a = '';
  let b = '';
  const measures = ['dice', 'iou', 'hd95', 'assd', 'nsd', 'metrics.dice'];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'segscope-stats-'));
    const random = rng(11);
    const linesA: string[] = [];
    const linesB: string[] = [];
    for (let i = 0; i < 40; i++) {
      const key = `case_${String(i).padStart(3, '0')}`;
      const dice = 0.2 + 0.3 * random();
      const hd = Math.round(random() * 20) / 2;
      const fg = { dice: 1 - dice, iou: 0.5, precision: 0.5, recall: 0.5 };
      const mA: Measures = {
        // iou: 22 cases equal in both runs (zeros), ties among the rest: the exact test with zeros and ties
        losses: { dice, iou: 0.4 + (i % 5) * 0.01, hd95: i === 3 ? Infinity : hd, assd: i < 5 ? 1 + i : NaN, nsd: 0.5 + 0.4 * random() },
        fg,
      };
      const mB: Measures = {
        losses: {
          dice: dice - 0.02 + 0.04 * (random() - 0.5),
          iou: i < 22 ? mA.losses.iou : mA.losses.iou + (i % 3 === 0 ? 0.02 : -0.01),
          hd95: Math.max(0, hd + Math.round((random() - 0.6) * 6) / 2),
          assd: i < 5 ? 1.5 + i : NaN,
          nsd: mA.losses.nsd + 0.05 * (random() - 0.3),
        },
        fg: { ...fg, dice: fg.dice + 0.01 },
      };
      linesA.push(logLine(key, i === 39 ? null : mA));
      if (i !== 38) linesB.push(logLine(key, mB));
    }
    a = join(dir, 'a.jsonl');
    b = join(dir, 'b.jsonl');
    writeFileSync(a, `${linesA.join('\n')}\n`);
    writeFileSync(b, `${[...linesB].reverse().join('\n')}\n`);
  });

  it('the mean difference, the Wilcoxon and Holm p-values equal scipy; the CI is numpy\'s within its Monte Carlo error', () => {
    const doc = compareRuns(a, b, { losses: measures, seed: 3, bootstrap: 10000 });
    const ref = python(NUMPY_STATS, { a, b, measures, seed: 3, bootstrap: 10000 });
    assert.equal(doc.cases, 38);
    assert.deepEqual(doc.onlyInA, ['case_038']);
    assert.deepEqual(doc.onlyInB, ['case_039']);
    for (const m of measures) {
      const s = doc.losses[m];
      const e = ref[m];
      assert.equal(s.n, e.n, m);
      for (const k of ['meanA', 'meanB', 'meanDiff'] as const) assert.ok(Math.abs(s[k] - e[k]) < 1e-12, `${m} ${k}: ${s[k]} vs ${e[k]}`);
      if (e.p === null) {
        assert.equal(s.pWilcoxon, null, m);
        assert.match(s.pNote ?? '', /fewer than 6 paired cases/);
      } else {
        assert.ok(Math.abs(s.pWilcoxon! - e.p) <= 1e-9, `${m} p: ${s.pWilcoxon} vs ${e.p}`);
        assert.ok(Math.abs(s.pHolm! - e.holm) <= 1e-9, `${m} Holm: ${s.pHolm} vs ${e.holm}`);
      }
      const tol = 0.2 * e.sigma + 1e-12;
      assert.ok(Math.abs(s.ci95![0] - e.ci95[0]) < tol && Math.abs(s.ci95![1] - e.ci95[1]) < tol, `${m} CI ${s.ci95} vs numpy ${e.ci95} (tolerance ${tol})`);
    }
    assert.equal(doc.losses.iou.test?.method, 'exact');
    assert.ok(doc.losses.iou.test!.nonZero <= 25 && doc.losses.iou.test!.nonZero > 10);
    assert.equal(doc.losses.dice.test?.method, 'normal');
    assert.equal(doc.losses.hd95.n, 37, 'the infinite case is left out');
    assert.deepEqual(doc.losses.hd95.notFinite, ['case_003']);
    assert.equal(doc.losses.assd.n, 5);
  });

  it('a fixed seed gives the same document; another seed another interval; a measure\'s CI does not depend on the others asked', () => {
    const one = compareRuns(a, b, { seed: 5 });
    const two = compareRuns(a, b, { seed: 5 });
    assert.deepEqual(one, two);
    const other = compareRuns(a, b, { seed: 6 });
    assert.notDeepEqual(other.losses.dice.ci95, one.losses.dice.ci95);
    assert.deepEqual(compareRuns(a, b, { seed: 5, losses: ['dice'] }).losses.dice.ci95, one.losses.dice.ci95);
  });

  it('the CLI: --json has the contract\'s fields; the table names the measures without a p-value and why', () => {
    const r = spawnSync(process.execPath, [CLI, 'stats', a, b, '--json', '--seed', '1', '--bootstrap', '2000'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual([doc.cases, doc.seed, doc.bootstrap], [38, 1, 2000]);
    assert.deepEqual(Object.keys(doc.losses.dice).slice(0, 8), ['better', 'n', 'meanA', 'meanB', 'meanDiff', 'ci95', 'pWilcoxon', 'pHolm']);
    assert.ok('metrics.dice' in doc.losses && 'nsd' in doc.losses);
    const t = spawnSync(process.execPath, [CLI, 'stats', a, b, '--losses', 'dice,assd'], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /assd: no p-value: fewer than 6 paired cases \(5\)/);
    assert.match(t.stdout, /│ dice +│ lower +│ +38 │/);
    const bad = spawnSync(process.execPath, [CLI, 'stats', a, b, '--losses', 'dice,nope'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
  });
});
