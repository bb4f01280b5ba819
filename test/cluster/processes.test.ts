// `serve --processes N`: one primary that migrates and makes the first token, N server processes
// sharing the HTTP and ICAP ports, on either engine.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { childProcesses } from '../../bench/harness.js';
import { describeEachEngine, type TestDatabase } from '../../src/platform/db/test-support/engines.js';
import { runCli, startServe, type ServeProcess } from '../support/processes.js';

/** A request on a connection of its own, so that the primary hands each one to the next process. */
function call(server: ServeProcess, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${server.url}${path}`, {
      method,
      agent: false,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.end(payload);
  });
}

/** utime + stime of one process, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The server processes: the primary's children that run thirdwatch (tsx may start an esbuild child too). */
const children = (server: ServeProcess) =>
  childProcesses(server.child.pid!).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('serve');
    } catch {
      return false;
    }
  });

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeEachEngine('serve --processes 2', ({ createDatabase }) => {
  let database: TestDatabase;
  let server: ServeProcess;
  let token: string;
  before(async () => {
    database = await createDatabase();
    await database.close();
    server = await startServe({ THIRDWATCH_DATABASE_URL: database.url }, ['--processes', '2']);
    token = server.initialToken!;
  });
  after(async () => {
    await server?.stop('SIGKILL');
  });

  test('announces itself once, with one first admin token, and runs two server processes', () => {
    assert.match(server.banner, /listening on http:\/\/\S+/);
    assert.match(server.banner, /2 processes/);
    assert.equal(server.banner.match(/First start/g)?.length, 1);
    assert.ok(token, 'the first admin token is printed');
    assert.equal(children(server).length, 2);
  });

  test('concurrent writes through both processes are all stored, audited, and the chain verifies', async () => {
    const before = new Map(children(server).map((pid) => [pid, cpuTicks(pid)]));
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call(server, token, 'POST', '/api/v1/vendors', { name: `Cluster vendor ${i}` })));
    assert.deepEqual(answers.map((a) => a.status), answers.map(() => 201));
    const listed = await call(server, token, 'GET', '/api/v1/vendors?q=Cluster%20vendor&limit=100');
    assert.equal((JSON.parse(listed.body) as { items: unknown[] }).items.length, 60);
    // Each process did part of the work: the primary hands new connections out in turn.
    for (const [pid, ticks] of before) assert.ok(cpuTicks(pid) > ticks, `process ${pid} served no request`);
    const verify = runCli(['audit', 'verify', '--json'], { THIRDWATCH_DATABASE_URL: database.url });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  });

  test('the ICAP port is shared by the processes as well', async () => {
    const icap = /ICAP service listening on icap:\/\/([^:/]+):(\d+)/.exec(server.banner)!;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(icap[2]), icap[1], () =>
        socket.write(`OPTIONS icap://${icap[1]}:${icap[2]}/reqmod ICAP/1.0\r\nHost: ${icap[1]}\r\nEncapsulated: null-body=0\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if (text.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
    });
    assert.match(answer, /^ICAP\/1\.0 200/);
  });

  test('a server process that dies is replaced while the other keeps answering', async () => {
    const [victim, survivor] = children(server);
    process.kill(victim, 'SIGKILL');
    // Until the primary has seen it die, it may still hand the dead process a connection.
    await until('the primary to reap the killed process', () => (existsSync(`/proc/${victim}`) ? undefined : true));
    for (let i = 0; i < 10; i++) assert.equal((await call(server, token, 'GET', '/api/v1/vendors?limit=1')).status, 200);
    const replacement = await until('a replacement process', () => children(server).find((pid) => pid !== victim && pid !== survivor));
    assert.equal(children(server).length, 2);
    assert.ok(replacement);
  });

  test('SIGTERM stops the primary and every server process', async () => {
    const pids = children(server);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `process ${pid} outlived the primary`);
  });
});
