// `thirdwatch egress ingest` as an operator runs it from cron on a growing access.log, on each
// engine: a second run stores only the lines appended since (line numbers stay the file's), a
// truncated or rotated file is read from the start, --json prints the run's report, and a bad
// line is listed as "line N: field: reason" while the rest is stored.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, describeEachEngine, type TestDatabase } from '../../src/platform/db/test-support/engines.js';
import { runCliAsync } from '../support/processes.js';

const line = (second: number, host: string, status = '200') => `${1764583200 + second}.000     45 10.1.1.7 TCP_MISS/${status} 5120 POST https://${host}/v1/upload - HIER_DIRECT/203.0.113.9 application/json\n`;

describeEachEngine('thirdwatch egress ingest: resume, truncation, rotation, --json, rejected lines', ({ engine }) => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'tw-egress-cli-'));
  const log = join(dir, 'access.log');

  before(async () => {
    database = await createTestDatabase(engine);
    env = { THIRDWATCH_DATABASE_URL: database.url, THIRDWATCH_DATA_DIR: dir };
  });
  after(() => database?.close());

  // Exit 2 when some lines were rejected (the rest stored), 0 when none were.
  const ingest = async (args: string[], status = 0) => {
    const run = await runCliAsync(['egress', 'ingest', '--format', 'squid', ...args], env);
    assert.equal(run.status, status, run.stderr);
    return run.stdout;
  };
  const report = async (status = 0) => {
    const run = await runCliAsync(['--json', 'egress', 'ingest', '--format', 'squid', log], env);
    assert.equal(run.status, status, run.stderr);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };
  const stored = async () => (await database.db.selectFrom('egress_events').select('host').orderBy('at').execute()).map((r) => r.host);

  test('first run: --json report with every field; the bad line is listed by number, field and reason; the rest is stored', async () => {
    writeFileSync(log, line(0, 'a.example.com') + line(1, 'b.example.com') + line(2, 'c.example.com', '999') + line(3, 'd.example.com'));
    const first = await report(2);
    assert.deepEqual(first, {
      accepted: 3,
      skipped: 0,
      rejected: [{ line: 3, field: 'code/status', reason: '"999" is not an HTTP status' }],
      rejectedCount: 1,
      lines: 4,
      offset: statSync(log).size,
      path: log,
      format: 'squid',
      resumedFrom: 0,
      restarted: null,
      size: statSync(log).size,
    });
    assert.deepEqual(await stored(), ['a.example.com', 'b.example.com', 'd.example.com']);
  });

  test('second run on the grown file: only the appended lines, numbered as in the file; a run with nothing new stores nothing', async () => {
    const before = statSync(log).size;
    appendFileSync(log, line(4, 'e.example.com') + line(5, 'f.example.com', 'abc'));
    const text = await ingest([log], 2);
    assert.match(text, new RegExp(`^${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 1 events stored, 0 lines skipped, 1 rejected \\(continuing at byte ${before}; read to line 6, byte ${statSync(log).size}\\)\\n  line 6: code/status: "abc" is not an HTTP status\\n$`));
    assert.deepEqual(await stored(), ['a.example.com', 'b.example.com', 'd.example.com', 'e.example.com']);
    const idle = await report();
    assert.deepEqual([idle.accepted, idle.rejectedCount, idle.resumedFrom, idle.lines], [0, 0, statSync(log).size, 6]);
    assert.equal((await stored()).length, 4);
  });

  test('a last line still being written is left for the next run, which stores it once complete', async () => {
    const whole = line(6, 'g.example.com');
    appendFileSync(log, whole.slice(0, 40));
    const partial = await report();
    assert.deepEqual([partial.accepted, partial.rejectedCount, partial.lines], [0, 0, 6]);
    appendFileSync(log, whole.slice(40));
    const completed = await report();
    assert.deepEqual([completed.accepted, completed.lines], [1, 7]);
    assert.equal((await stored()).length, 5);
  });

  test('a truncated file (shorter than the saved offset) is read from the start', async () => {
    writeFileSync(log, line(10, 'h.example.com'));
    const truncated = await report();
    assert.deepEqual([truncated.accepted, truncated.resumedFrom, truncated.restarted, truncated.lines], [1, 0, 'truncated', 1]);
    assert.match(await ingest([log]), /: 0 events stored, .*\(continuing at byte \d+;/);
  });

  test('a rotated file (the old one moved away, a new one as long or longer in its place) is read from the start', async () => {
    renameSync(log, `${log}.1`);
    writeFileSync(log, line(20, 'i.example.com') + line(21, 'j.example.com'));
    const rotated = await ingest([log]);
    assert.match(rotated, /: 2 events stored, 0 lines skipped, 0 rejected \(from the start \(the file was rotated\); read to line 2, byte \d+\)\n$/);
    assert.deepEqual((await stored()).slice(-2), ['i.example.com', 'j.example.com']);
    assert.equal((await stored()).length, 8);
  });
});
