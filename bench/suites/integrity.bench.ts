// Artifact check of a 100 MB signed PE file (issue 8's target: hashing at disk speed, streaming,
// bounded memory): in place (the CLI's path) and streamed over HTTP (copied to a temporary file
// while it is hashed), each with its peak RSS. Peers on the same file: `sha256sum`, and node's
// crypto hashing SHA-256 alone from a read stream; for the HTTP path, curl uploading to a bare
// node server that only writes the body to a file.
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/app/config.js';
import { buildHttp, openThirdwatch } from '../../src/app/thirdwatch.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { buildPe, makeSigner, signPe } from '../../src/modules/integrity/test-support/pe-builder.js';
import { benchEngines, median, type BenchRow, type BenchSuite, timeRounds } from '../lib.js';

const SUITE = 'integrity';
const execFileAsync = promisify(execFile);
const ctx = systemContext('bench');

/** Peak resident set size while fn runs, sampled every 5 ms. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakMb: number; baselineMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const result = await fn();
    return { result, peakMb: Math.max(peak, process.memoryUsage().rss) / 1048576, baselineMb: baseline / 1048576 };
  } finally {
    clearInterval(timer);
  }
}

async function nodeSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const run: BenchSuite = async (bench) => {
  const mb = bench.quick ? 20 : 100;
  const rounds = bench.quick ? 2 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-integrity-'));
  const path = join(dir, 'Setup.exe');
  const rows: BenchRow[] = [];
  try {
    const body = Buffer.alloc(mb * 1_000_000 - 0x1000);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE((i * 2654435761) >>> 0, i);
    const signed = await signPe(buildPe({ body }), await makeSigner('Bench Software Ltd'));
    writeFileSync(path, signed);
    const bytes = signed.length;
    const sha256 = createHash('sha256').update(signed).digest('hex');
    const rate = (ms: number) => bytes / 1e6 / (ms / 1000);

    const sha256sum = median(
      await timeRounds(rounds, async () => {
        const out = spawnSync('sha256sum', [path], { encoding: 'utf8' });
        if (!out.stdout.startsWith(sha256)) throw new Error(`sha256sum: ${out.stderr || out.stdout}`);
      }),
    );
    const nodeHash = median(
      await timeRounds(rounds, async () => {
        if ((await nodeSha256(path)) !== sha256) throw new Error('node crypto disagrees');
      }),
    );
    const peer = { name: 'sha256sum (SHA-256 only)', value: rate(sha256sum) };
    // The floor of the HTTP path: the same upload by curl to a bare node HTTP server that only
    // copies the body to a temporary file.
    const floor = createServer((req, res) => {
      const out = createWriteStream(join(dir, `floor-${Math.random()}`));
      req.pipe(out).on('finish', () => res.end('{}'));
    });
    await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
    const floorUrl = `http://127.0.0.1:${(floor.address() as AddressInfo).port}/`;
    const bareMs = median(await timeRounds(rounds, () => execFileAsync('curl', ['-sS', '-X', 'POST', '-T', path, floorUrl])));
    floor.close();
    const httpPeer = { name: 'curl → bare node HTTP server writing to a file', value: rate(bareMs) };
    rows.push({ suite: SUITE, name: `node crypto SHA-256 of a ${mb} MB file, 1 MB read stream`, value: rate(nodeHash), unit: 'MB/s', notes: `${nodeHash.toFixed(0)} ms, median of ${rounds}` });

    for (const engine of await benchEngines(bench, SUITE)) {
      const config = loadConfig({ THIRDWATCH_DATABASE_URL: engine.url, THIRDWATCH_DATA_DIR: tmpdir(), THIRDWATCH_LOG_LEVEL: 'warn' });
      const tw = await openThirdwatch(config, createLogger('warn', new Writable({ write: (_c, _e, done) => done() })));
      const { app } = await buildHttp(tw, { webRoot: '/nonexistent' });
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const { token } = await tw.services.access.createToken({ name: 'bench', role: 'admin' }, ctx);
      try {
        const vendor = await tw.services.vendors.create({ name: 'Bench Software', shipsSoftware: true }, ctx);
        const product = await tw.services.vendors.createProduct(vendor.id, { name: 'Bench Desktop', type: 'desktop-app' }, ctx);
        let round = 0;
        const inPlace = async () => {
          const result = await tw.services.integrity.checkFile({ productId: product.id, version: `1.0.${round++}`, fileName: 'Setup.exe' }, path, ctx);
          if (result.sha256 !== sha256 || result.signature.status !== 'valid') throw new Error(`check: ${result.sha256} ${result.signature.status} ${result.signature.problems.join('; ')}`);
        };
        // curl streams the file from another process, as a client would (-T reads as it sends).
        const overHttp = async () => {
          const url = `${base}/api/v1/artifacts/check?productId=${product.id}&version=2.0.${round++}&filename=Setup.exe`;
          const { stdout } = await execFileAsync('curl', ['-sS', '-X', 'POST', '-T', path, '-H', `authorization: Bearer ${token}`, '-H', 'content-type: application/octet-stream', '-w', '\\n%{http_code}', url], { maxBuffer: 1 << 24 });
          const [json, status] = [stdout.slice(0, stdout.lastIndexOf('\n')), stdout.slice(stdout.lastIndexOf('\n') + 1)];
          const result = JSON.parse(json) as { sha256?: string; signature?: { status: string }; detail?: string };
          if (status !== '200' || result.sha256 !== sha256 || result.signature?.status !== 'valid') throw new Error(`HTTP check answered ${status}: ${result.detail ?? result.signature?.status}`);
        };
        for (const [label, fn, against] of [['artifact check in place (CLI path)', inPlace, peer], ['artifact check streamed over HTTP, copied to a temporary file', overHttp, httpPeer]] as const) {
          const samples = await timeRounds(rounds, fn);
          const memory = await withPeakRss(fn);
          const ms = median(samples);
          rows.push({
            suite: SUITE,
            name: `${label}, ${mb} MB signed PE (${engine.name})`,
            value: rate(ms),
            unit: 'MB/s',
            peer: against,
            ratio: rate(ms) / against.value,
            notes: `${ms.toFixed(0)} ms median of ${rounds} (${samples.map((s) => s.toFixed(0)).join('/')}); MD5, SHA-1, SHA-256, SHA-512 and the Authenticode digest; peak RSS +${Math.round(memory.peakMb - memory.baselineMb)} MB over ${Math.round(memory.baselineMb)} MB; load ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`,
          });
        }
      } finally {
        await app.close();
        await tw.close();
        await engine.drop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
};
