import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { GOLDEN_DIR, compareToExpected, goldenCases, sharedGoldenDir } from '../helpers/golden.js';
import { backendsUnderTest } from '../helpers/backends.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

describe('golden cases through `segscope evaluate --json`', async () => {
  const backends = await backendsUnderTest();
  for (const { name: backend, skip } of backends) {
    describe(`backend ${backend}`, { skip }, () => {
      for (const c of goldenCases()) {
        it(`${backend} · ${c.name}: ${c.note}`, async () => {
          const { stdout } = await run(process.execPath, [CLI, 'evaluate', c.pred, c.gt, '--json', '--backend', backend, ...c.args], { maxBuffer: 1 << 24 });
          const doc = JSON.parse(stdout);
          assert.equal(doc.backend, backend);
          assert.deepEqual(compareToExpected(doc, c.expected), []);
        });
      }
    });
  }
});

describe('test/golden is a current copy of shared/golden', () => {
  const shared = sharedGoldenDir();
  it('every shared case is copied unchanged', { skip: shared ? false : 'shared/golden is not beside this checkout' }, () => {
    for (const name of readdirSync(shared!)) {
      if (name === 'README.md') continue;
      for (const file of readdirSync(join(shared!, name))) {
        assert.ok(readFileSync(join(shared!, name, file)).equals(readFileSync(join(GOLDEN_DIR, name, file))), `${name}/${file} differs: re-copy ../shared/golden`);
      }
    }
  });
});
