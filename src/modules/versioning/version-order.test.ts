import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { comparatorFor } from './index.js';

// osv-scalibr's ordering vectors: one 'a <|=|> b' per line; '# ' and '// ' lines are comments.
const DIR = new URL('../../../../shared/data/version-order/', import.meta.url);

const FILES: Record<string, string[]> = {
  'alpine-versions.txt': ['Alpine'],
  'alpine-versions-generated.txt': ['Alpine'],
  'cran-versions.txt': ['CRAN'],
  'cran-versions-generated.txt': ['CRAN'],
  'debian-versions.txt': ['Debian', 'Ubuntu'],
  'debian-versions-generated.txt': ['Debian', 'Ubuntu'],
  'hackage-versions.txt': ['Hackage'],
  'maven-versions.txt': ['Maven'],
  'maven-versions-generated.txt': ['Maven'],
  'nuget-versions.txt': ['NuGet'],
  'packagist-versions.txt': ['Packagist'],
  'packagist-versions-generated.txt': ['Packagist'],
  'pub-versions.txt': ['Pub'],
  'pypi-versions.txt': ['PyPI'],
  'pypi-versions-generated.txt': ['PyPI'],
  'redhat-versions.txt': ['Red Hat'],
  'rubygems-versions.txt': ['RubyGems'],
  'rubygems-versions-generated.txt': ['RubyGems'],
  'semver-versions.txt': ['npm', 'Go', 'crates.io', 'Hex'],
};

const EXPECTED: Record<string, number> = { '<': -1, '=': 0, '>': 1 };

function vectors(file: string): string[] {
  return readFileSync(new URL(file, DIR), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('# ') && !line.startsWith('// '));
}

describe('version order vectors (osv-scalibr)', () => {
  for (const [file, ecosystems] of Object.entries(FILES)) {
    const lines = vectors(file);
    for (const ecosystem of ecosystems) {
      test(`${ecosystem}: ${file}`, (t) => {
        const cmp = comparatorFor(ecosystem);
        assert.ok(cmp, `no comparator for ${ecosystem}`);
        const failures: string[] = [];
        for (const line of lines) {
          const [a, op, b, ...extra] = line.split(' ');
          assert.ok(op in EXPECTED && extra.length === 0, `malformed vector: ${line}`);
          const forward = cmp.compare(a, b);
          const backward = cmp.compare(b, a);
          if (forward !== EXPECTED[op] || backward !== -EXPECTED[op]) failures.push(`${line}  (got ${forward}, reversed ${backward})`);
        }
        t.diagnostic(`${lines.length - failures.length}/${lines.length} vectors`);
        assert.deepEqual(failures, []);
      });
    }
  }

  test('every vector file is covered', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
    assert.deepEqual(files.sort(), Object.keys(FILES).sort());
  });
});
