// The ICAP protocol server with the personal-data scanner behind it, run as its own process by
// test/icap/icap-process.ts: every body goes through scanBody (decoding gzip/deflate/br with its
// caps) and payment cards are blocked, so hostile bodies reach the real scanner as well as the real
// parser. Prints the service URL once listening.
import { IcapServer, type IcapDecision, type IcapTransaction } from '../../src/modules/icap/icap.server.js';
import { scanBody } from '../../src/modules/pii/pii.scan.js';

async function decide(tx: IcapTransaction): Promise<IcapDecision> {
  const result = tx.body ? await scanBody(tx.body, { contentType: tx.http.headers.get('content-type') ?? null, contentEncoding: tx.http.headers.get('content-encoding') ?? null }) : null;
  const cards = result?.detections.some((d) => d.type === 'payment_card') ?? false;
  // What the service saw of each request, one JSON line on stdout, for tests that compare it with what the proxy sent.
  console.log(JSON.stringify({ seen: { method: tx.http.method, host: tx.http.host, port: tx.http.port, path: tx.http.path, bodyBytes: tx.bodyBytes, types: [...new Set(result?.detections.map((d) => d.type))] } }));
  return cards ? { action: 'block', status: 403, html: '<!doctype html><title>Blocked</title><p>This request carried payment card numbers.</p>' } : { action: 'allow' };
}

const server = new IcapServer({ istag: () => 'hostile-1', afterPreview: async () => null, decide }, { port: 0 });
const { host, port } = await server.listen();
console.log(`ICAP service listening on icap://${host}:${port}/reqmod`);
process.on('SIGTERM', () => void server.close(0).then(() => process.exit(0)));
