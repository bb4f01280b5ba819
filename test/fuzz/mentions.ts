// Fuzz target for the mentions feed (JSON lines): the parser and the vendor matcher on what it
// parsed. Documented rejections are AppError (the whole file: not UTF-8, too many lines); a bad
// line is a reported error, never an exception. Contracts: every record and error is accounted
// for, excerpts stay short, confidences stay in [0, 1].
import fc from 'fast-check';
import { AppError } from '../../src/platform/errors.js';
import { excerptOf, MentionMatcher } from '../../src/modules/mentions/mentions.matcher.js';
import { parseMentions } from '../../src/modules/mentions/mentions.parser.js';
import { HOSTILE_STRINGS, hostileString, mutateLines, mutateText, steps, type FuzzBytes } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const SEEDS = [
  { source: 'leak-forum', id: 'p-1', title: 'Acme Corp customer database for sale', text: 'Selling 2M rows from acme.example incl. e-mails at support@mail.acme.example', url: 'https://forum.example/t/1', published: '2026-11-30T08:00:00Z', names: ['ACME Corporation'], domains: ['acme.example'] },
  { source: 'breach-notices', title: 'Globex notifies regulator', text: 'Globex GmbH reported an incident affecting payroll.', published: '2026-12-01', names: ['Globex'] },
  { source: 'paste', title: '3CX desktop app compromised', text: 'Installers from download.3cx.com carried a trojanised d3dcompiler_47.dll', domains: ['3cx.com', 'xn--80ak6aa92e.com'] },
  { source: 's', title: 't' },
];
const VALUES = ['{}', '[]', 'null', '{"source":1,"title":"x"}', '{"source":"s","title":"x","names":[null]}', '{"source":"s","title":"x","published":"2026-02-30"}', '# comment', '', '{"source":"s","title":"x","url":"javascript:alert(1)"}', ...HOSTILE_STRINGS.slice(0, 8)];

const matcher = new MentionMatcher([
  { id: 'v1', name: 'Acme Corporation', aliases: ['Acme'], domains: ['acme.example', '*.acme.co.uk'] },
  { id: 'v2', name: 'Globex', aliases: [], domains: ['globex.example'] },
  { id: 'v3', name: '3CX', aliases: ['3CX Ltd'], domains: ['3cx.com'] },
  { id: 'v4', name: 'IBM', aliases: [], domains: ['ibm.com', 'example.github.io'] },
]);

function documents(): fc.Arbitrary<FuzzBytes> {
  return fc
    .record({
      picks: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      hostile: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('title', 'text', 'names', 'domains', 'published', 'url', 'id', 'source')), { maxLength: 3 }),
      lines: steps(3),
      text: steps(2),
    })
    .map(({ picks, hostile, lines, text }) => {
      const rows: Record<string, unknown>[] = picks.map((p) => ({ ...SEEDS[p % SEEDS.length] }));
      for (const [row, n, key] of hostile) {
        const value = hostileString(n);
        rows[row % rows.length][key] = key === 'names' || key === 'domains' ? [value] : n % 5 === 0 ? { nested: value } : value;
      }
      return mutateText(mutateLines(rows.map((r) => JSON.stringify(r)).join('\n'), lines, VALUES), text);
    });
}

function check(input: FuzzBytes) {
  return expectOnly(() => {
    const parsed = parseMentions(typeof input === 'string' ? input : Buffer.from(input));
    if (parsed.records.length + parsed.errors.length !== parsed.lines) throw new Crash(`${parsed.lines} lines, but ${parsed.records.length} records and ${parsed.errors.length} errors`);
    for (const r of parsed.records) {
      for (const m of matcher.match(r)) {
        if (!(m.confidence >= 0 && m.confidence <= 1)) throw new Crash(`confidence ${m.confidence} out of range`);
      }
      if (excerptOf(r.text, ['acme']).length > 302) throw new Crash('excerpt longer than 300 characters');
    }
  }, AppError);
}

export function mentionsTarget(): Target<FuzzBytes> {
  return { name: 'mentions-jsonl', kind: 'parser', inputs: async () => documents(), open: async () => ({ check }) };
}
