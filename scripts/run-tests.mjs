#!/usr/bin/env node
// Collects every *.test.ts under src/ and test/, runs them with node's test runner, and ends
// with one "N passed, N failed" line. Engine coverage: every database test runs on SQLite;
// the PostgreSQL half runs when THIRDWATCH_TEST_DATABASE_URL is set and is skipped, loudly, when not.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);

const tap = readFileSync(tapFile, 'utf8');
const count = (key) => Number((tap.match(new RegExp(`^# ${key} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + count('cancelled');
console.log(`${passed} passed, ${failed} failed, ${count('skipped')} skipped`);
process.exit(result.status === 0 && failed === 0 ? 0 : 1);

function redact(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
