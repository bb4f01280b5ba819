#!/usr/bin/env node
// Collects every *.test.ts under src/ and test/, runs them with node's test runner, and ends
// with one "N passed, N failed" line. Engine coverage: every database test runs on SQLite;
// the PostgreSQL half runs when THIRDWATCH_TEST_DATABASE_URL is set and is skipped, loudly, when not.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// `node scripts/run-tests.mjs [--skip PATH]... [PATH]...`: files whose path contains one of the
// PATHs (all when none), minus those containing a skipped PATH.
const args = process.argv.slice(2);
const skips = args.flatMap((arg, i) => (args[i - 1] === '--skip' ? [arg] : []));
const filters = args.filter((arg, i) => arg !== '--skip' && args[i - 1] !== '--skip');

function collect(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(collect(path));
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

let files = [...collect(join(root, 'src')), ...collect(join(root, 'test'))].sort();
if (filters.length) files = files.filter((f) => filters.some((p) => f.includes(p)));
files = files.filter((f) => !skips.some((p) => f.includes(p)));
if (!files.length) {
  console.error('no test files matched');
  process.exit(1);
}

if (process.env.THIRDWATCH_TEST_DATABASE_URL) {
  console.log(`Database tests run on SQLite and on PostgreSQL (${redact(process.env.THIRDWATCH_TEST_DATABASE_URL)}).`);
} else {
  console.log('THIRDWATCH_TEST_DATABASE_URL is not set: database tests run on SQLite only; the PostgreSQL suite is SKIPPED.');
}

mkdirSync(join(root, 'test-results'), { recursive: true });
const tapFile = join(root, 'test-results', 'tap.txt');
const tree = await compile();
let result;
try {
  result = spawnSync(
    process.execPath,
    [
      '--enable-source-maps',
      '--test',
      '--test-concurrency=2',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
      ...files.map((f) => f.replace(/\.ts$/, '.js')),
    ],
    { cwd: tree.root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
  );
} finally {
  rmSync(tree.dir, { recursive: true, force: true });
}

const tap = readFileSync(tapFile, 'utf8');
const count = (key) => Number((tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + count('cancelled');
console.log(`${passed} passed, ${failed} failed, ${count('skipped')} skipped`);
process.exit(result.status === 0 && failed === 0 ? 0 : 1);

/**
 * The tests run on JavaScript that esbuild compiles once per run, not through tsx's loader, which
 * every test file's process would pay for in each of the ~2,200 modules it imports (about 1.2 s of
 * CPU a file); stack traces still name the TypeScript sources. The compiled tree mirrors this
 * checkout at the same depth under a temporary directory, beside a link to ../shared, so every
 * path a module builds from import.meta.url resolves as it does here; files other than compiled
 * ones, the TypeScript sources among them, are links to the originals.
 */
async function compile() {
  const dir = mkdtempSync(join(tmpdir(), 'thirdwatch-tests-'));
  try {
    return await mirrorCompiled(dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function mirrorCompiled(dir) {
  const { build } = await import('esbuild');
  const mirror = join(dir, basename(root));
  mkdirSync(mirror);
  const shared = join(root, '..', 'shared');
  if (existsSync(shared)) symlinkSync(shared, join(dir, 'shared'));
  const compiledDirs = ['src', 'test', 'bench'];
  for (const name of readdirSync(root)) {
    if (!compiledDirs.includes(name) && name !== '.git') symlinkSync(join(root, name), join(mirror, name));
  }
  const sources = [];
  const mirrorTree = (from) => {
    for (const name of readdirSync(join(root, from))) {
      const path = join(from, name);
      if (statSync(join(root, path)).isDirectory()) {
        mkdirSync(join(mirror, path));
        mirrorTree(path);
        continue;
      }
      symlinkSync(join(root, path), join(mirror, path));
      if (name.endsWith('.ts') && !name.endsWith('.d.ts')) sources.push(join(root, path));
    }
  };
  for (const name of compiledDirs) {
    mkdirSync(join(mirror, name));
    mirrorTree(name);
  }
  await build({
    entryPoints: sources,
    outbase: root,
    outdir: mirror,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'warning',
  });
  return { dir, root: mirror };
}

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
