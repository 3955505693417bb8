import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import assert from 'node:assert/strict';

const SCRIPT = join(import.meta.dirname, '..', 'memory', 'totalseg.ts');
const LIMIT = 4 * 1024 ** 3;

for (const backend of ['reference', 'cpu']) {
  it(`${backend}: a 118-class 20x512x512 label-map pair evaluates every loss within 4 GB`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, backend], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(report.classes, 118);
    assert.equal(report.losses, 18);
    assert.ok(Number.isFinite(report.dice) && report.dice > 0 && report.dice < 1, `dice ${report.dice}`);
    assert.ok(report.maxRssBytes < LIMIT, `peak memory ${(report.maxRssBytes / 2 ** 30).toFixed(2)} GiB`);
  });
}
