/**
 * The ICAP service as the commands start it: `thirdwatch serve` says where it listens beside the
 * web server, and `thirdwatch icap` runs it alone; both answer OPTIONS with the policy's ISTag.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, ROOT, startServe } from '../support/processes.js';

function options(url: string): Promise<string> {
  const { hostname, port } = new URL(url.replace('icap://', 'http://'));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`OPTIONS ${url} ICAP/1.0\r\nHost: ${hostname}\r\nEncapsulated: null-body=0\r\n\r\n`));
    let text = '';
    socket.on('data', (d) => {
      text += d;
      if (text.includes('\r\n\r\n')) {
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
}

test('serve starts the ICAP service and prints its URL; it answers OPTIONS with Allow: 204 and the policy ISTag', async () => {
  const server = await startServe({ THIRDWATCH_DATA_DIR: mkdtempSync(join(tmpdir(), 'tw-icap-serve-')) });
  try {
    const url = /ICAP service listening on (icap:\/\/\S+) \(fails open\)/.exec(server.banner)?.[1];
    assert.ok(url, server.banner);
    const answer = await options(url);
    assert.match(answer, /^ICAP\/1\.0 200 OK\r\n/);
    assert.match(answer, /\r\nISTag: "TW-policy-0"\r\n/);
    assert.match(answer, /\r\nAllow: 204\r\n/);
    assert.match(answer, /\r\nMethods: REQMOD\r\n/);
  } finally {
    await server.stop();
  }
});

test('thirdwatch icap runs the service alone on the port it is given', async () => {
  const child = spawn(process.execPath, [...CLI, 'icap', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, THIRDWATCH_LOG_LEVEL: 'warn', THIRDWATCH_DATA_DIR: mkdtempSync(join(tmpdir(), 'tw-icap-alone-')), THIRDWATCH_ICAP_FAIL: 'closed' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`thirdwatch icap did not start:\n${err}`)), 60_000);
      child.stderr.on('data', (d) => (err += d));
      child.stdout.on('data', (d) => {
        out += d;
        const found = /ICAP service listening on (icap:\/\/\S+) \(fails closed\)/.exec(out);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
    });
    assert.match(url, /^icap:\/\/127\.0\.0\.1:\d+\/reqmod$/);
    assert.match(await options(url), /\r\nISTag: "TW-policy-0"\r\n/);
  } finally {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await exited;
  }
});
