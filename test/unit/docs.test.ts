/**
 * docs/ holds byte-for-byte copies of the fixed contracts in ../shared (docs/README.md), as
 * test/golden holds a copy of ../shared/golden (test/unit/golden.test.ts): this fails while a copy
 * differs from its source, so a changed contract is copied again rather than drifting.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

const ROOT = join(import.meta.dirname, '..', '..');
const SHARED = join(ROOT, '..', 'shared');
const DOCS = join(ROOT, 'docs');

/** The copied folders: docs/<folder> mirrors ../shared/<folder>, every file of it. */
const COPIED = ['spec', 'reference'] as const;

describe('docs/ is a current copy of ../shared/spec and ../shared/reference', () => {
  it('../shared is beside the checkout', () => {
    assert.ok(existsSync(SHARED), `${SHARED} is missing: the contracts docs/ copies live there (CI checks it out beside the clone)`);
  });

  for (const folder of COPIED) {
    it(`docs/${folder} holds every file of ../shared/${folder}, unchanged`, () => {
      const source = join(SHARED, folder);
      assert.ok(existsSync(source), `${source} is missing: cannot check docs/${folder} against it`);
      const files = readdirSync(source).sort();
      assert.ok(files.length > 0, `${source} is empty`);
      for (const file of files) {
        const copy = join(DOCS, folder, file);
        assert.ok(existsSync(copy), `docs/${folder}/${file} is missing: copy ../shared/${folder}/${file}`);
        assert.ok(readFileSync(join(source, file)).equals(readFileSync(copy)), `docs/${folder}/${file} differs from ../shared/${folder}/${file}: copy it again (never edit the copy)`);
      }
      const extra = readdirSync(join(DOCS, folder)).filter((f) => !files.includes(f));
      assert.deepEqual(extra, [], `docs/${folder} has files that are not in ../shared/${folder}`);
    });
  }

  it('docs/README.md names every copy', () => {
    const readme = readFileSync(join(DOCS, 'README.md'), 'utf8');
    for (const folder of COPIED) {
      for (const file of readdirSync(join(DOCS, folder))) assert.ok(readme.includes(`${folder}/${file}`), `docs/README.md mentions ${folder}/${file}`);
    }
  });
});
