// Personal-data detection: accuracy per type (precision, recall, F1 on the labelled faker corpus of
// bench/pii-corpus.ts) and scanning throughput (MB/s on one core, clean and dirty bodies), for our
// engine and for redact-pii in the same run. Our detections count at tier medium or high (what
// policies act on); every redact-pii replacement counts. A detection is right when it overlaps a
// labelled value of the same type; each label is matched once. The per-type counts go to
// bench/results/pii-<timestamp>.json as well.
import { mkdirSync, writeFileSync } from 'node:fs';
import { SyncRedactor } from 'redact-pii';
import { DETECTION_TYPES, type DetectionType } from '../../src/modules/pii/pii.model.js';
import { scanBody } from '../../src/modules/pii/pii.scan.js';
import { buildCorpus, type Label, type LabelledBody } from '../pii-corpus.js';
import type { BenchRow, BenchSuite } from '../lib.js';

const PEER = 'redact-pii';

/** redact-pii's replacement tokens and the type each stands for (null: a type we do not detect). */
const PEER_TOKENS: Record<string, DetectionType | null> = {
  EMAIL_ADDRESS: 'email',
  PHONE_NUMBER: 'phone',
  CREDIT_CARD_NUMBER: 'payment_card',
  US_SOCIAL_SECURITY_NUMBER: 'us_ssn',
  IP_ADDRESS: 'ip_address',
  PASSWORD: 'secret',
  CREDENTIALS: 'secret',
  PERSON_NAME: null,
  STREET_ADDRESS: null,
  ZIPCODE: null,
  URL: null,
  USERNAME: null,
  DIGITS: null,
};
const TOKEN_RE = new RegExp(Object.keys(PEER_TOKENS).join('|'), 'g');

interface Span {
  type: DetectionType | null;
  offset: number;
  length: number;
}

/**
 * Where redact-pii replaced text: the redacted output is the original with spans swapped for
 * tokens, so the literal pieces between tokens are found in order in the original and the gaps
 * are the replaced spans.
 */
function peerSpans(original: string, redacted: string): Span[] {
  const spans: Span[] = [];
  let pos = 0;
  let last = 0;
  let pending: DetectionType | null | undefined;
  TOKEN_RE.lastIndex = 0;
  const literals: { text: string; token: string | null }[] = [];
  let m: RegExpExecArray | null;
  while ((m = TOKEN_RE.exec(redacted)) !== null) {
    literals.push({ text: redacted.slice(last, m.index), token: m[0] });
    last = m.index + m[0].length;
  }
  literals.push({ text: redacted.slice(last), token: null });
  for (const { text, token } of literals) {
    const at = text ? original.indexOf(text, pos) : pos;
    if (at === -1) break;
    if (pending !== undefined && at > pos) spans.push({ type: pending, offset: pos, length: at - pos });
    pos = at + text.length;
    pending = token === null ? undefined : PEER_TOKENS[token];
  }
  return spans;
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

function score(corpus: LabelledBody[], predictions: Span[][]): Map<DetectionType, Counts> {
  const counts = new Map<DetectionType, Counts>(DETECTION_TYPES.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  corpus.forEach((body, i) => {
    const matched = new Set<Label>();
    for (const p of predictions[i]!) {
      if (!p.type) continue;
      const hit = body.labels.find((l) => !matched.has(l) && l.type === p.type && p.offset < l.offset + l.length && l.offset < p.offset + p.length);
      if (hit) {
        matched.add(hit);
        counts.get(p.type)!.tp++;
      } else counts.get(p.type)!.fp++;
    }
    for (const l of body.labels) if (!matched.has(l)) counts.get(l.type)!.fn++;
  });
  return counts;
}

const f1 = (c: Counts): { p: number; r: number; f: number } => {
  const p = c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0;
  const r = c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0;
  return { p, r, f: p + r ? (2 * p * r) / (p + r) : 0 };
};

async function oursOn(body: LabelledBody): Promise<Span[]> {
  const result = await scanBody(Buffer.from(body.text), { contentType: body.contentType });
  return result.detections.filter((d) => d.tier !== 'low').map((d) => ({ type: d.type, offset: d.offset, length: d.length }));
}

/** MB/s on one core: scans the bodies round-robin for at least minMs. */
async function throughput(bodies: LabelledBody[], scan: (b: LabelledBody) => unknown, minMs: number): Promise<number> {
  for (const b of bodies.slice(0, 20)) await scan(b);
  let bytes = 0;
  let i = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    const b = bodies[i++ % bodies.length]!;
    await scan(b);
    bytes += Buffer.byteLength(b.text);
    elapsed = performance.now() - started;
  }
  return bytes / 1e6 / (elapsed / 1000);
}

export const run: BenchSuite = async (ctx) => {
  const size = ctx.quick ? 600 : 3000;
  const corpus = buildCorpus(size);
  const labels = corpus.reduce((n, b) => n + b.labels.length, 0);
  ctx.log(`pii: ${corpus.length} bodies (${corpus.filter((b) => b.clean).length} clean), ${labels} labelled values`);
  const redactor = new SyncRedactor();

  const ours: Span[][] = [];
  for (const body of corpus) ours.push(await oursOn(body));
  const peer: Span[][] = corpus.map((body) => peerSpans(body.text, redactor.redact(body.text)));
  const ourCounts = score(corpus, ours);
  const peerCounts = score(corpus, peer);

  const rows: BenchRow[] = [];
  const detail: Record<string, unknown> = {};
  for (const type of DETECTION_TYPES) {
    const o = ourCounts.get(type)!;
    const p = peerCounts.get(type)!;
    if (o.tp + o.fn === 0 && o.fp === 0) continue;
    const os = f1(o);
    const ps = f1(p);
    const peerHas = Object.values(PEER_TOKENS).includes(type);
    detail[type] = { ours: { ...o, precision: os.p, recall: os.r, f1: os.f }, peer: peerHas ? { ...p, precision: ps.p, recall: ps.r, f1: ps.f } : null };
    rows.push({
      suite: 'pii',
      name: `F1 ${type}`,
      value: os.f,
      unit: 'F1',
      ...(peerHas ? { peer: { name: PEER, value: ps.f }, ratio: ps.f > 0 ? os.f / ps.f : undefined } : {}),
      notes: `P ${os.p.toFixed(3)} R ${os.r.toFixed(3)} (tp ${o.tp} fp ${o.fp} fn ${o.fn})${peerHas ? `; peer P ${ps.p.toFixed(3)} R ${ps.r.toFixed(3)}` : '; peer has no detector for it'}`,
    });
  }
  const cleanFlagged = (preds: Span[][]) => corpus.filter((b, i) => b.clean && preds[i]!.some((s) => s.type)).length;
  const cleanCount = corpus.filter((b) => b.clean).length;
  rows.push({
    suite: 'pii',
    name: 'clean bodies flagged',
    value: cleanFlagged(ours) / cleanCount,
    unit: 'share',
    peer: { name: PEER, value: cleanFlagged(peer) / cleanCount },
    notes: `of ${cleanCount} clean bodies (lower is better; any type, ours at tier ≥ medium)`,
  });

  const minMs = ctx.quick ? 1500 : 4000;
  const clean = corpus.filter((b) => b.clean);
  const dirty = corpus.filter((b) => !b.clean);
  for (const [name, bodies] of [['clean', clean], ['dirty', dirty]] as const) {
    const mine = await throughput(bodies, (b) => scanBody(Buffer.from(b.text), { contentType: b.contentType }), minMs);
    const theirs = await throughput(bodies, (b) => redactor.redact(b.text), minMs);
    detail[`throughput_${name}`] = { ours: mine, peer: theirs };
    rows.push({ suite: 'pii', name: `scan ${name} bodies`, value: mine, unit: 'MB/s/core', peer: { name: PEER, value: theirs }, ratio: mine / theirs });
  }

  const dir = new URL('../results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(new URL(`pii-${stamp}.json`, dir), `${JSON.stringify({ bodies: corpus.length, labels, quick: ctx.quick, types: detail }, null, 2)}\n`);
  return rows;
};
