import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../platform/errors.js';
import { diceSimilarity, excerptOf, hostsIn, MentionMatcher, normaliseName, registrableDomain } from './mentions.matcher.js';
import { LIMITS, parseMentions } from './mentions.parser.js';

const line = (o: unknown) => JSON.stringify(o);

describe('mentions feed parser', () => {
  test('reads the documented fields, skips blanks and comments, normalises dates and domains', () => {
    const parsed = parseMentions(
      [
        '# exported 2026-12-01',
        line({ source: 'forum', id: 17, title: ' Acme dump ', text: 'rows', url: 'https://forum.example/t/17', published: '2026-11-30', names: ['Acme', 'Acme'], domains: ['*.Acme.Example.'], extra: { ignored: true } }),
        '',
        line({ source: 'forum', title: 'No text at all' }),
      ].join('\r\n'),
    );
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.lines, 2);
    const [a, b] = parsed.records;
    assert.deepEqual([a.line, a.externalId, a.title, a.published, a.names, a.domains], [2, '17', 'Acme dump', '2026-11-30T00:00:00.000Z', ['Acme'], ['acme.example']]);
    assert.equal(b.text, '');
    assert.notEqual(a.contentKey, b.contentKey);
  });

  test('hostile lines are reported with their line number and reason; the good lines still parse', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const parsed = parseMentions(
      [
        line({ source: 's', title: 'ok' }),
        '{"source": "s", "title": "trunc',
        deep,
        line({ source: 's', title: 5 }),
        line({ title: 'no source' }),
        line({ source: 's', title: 'x', names: 'Acme' }),
        line({ source: 's', title: 'x', names: [{}] }),
        line({ source: 's', title: 'x', published: '2026-02-30' }),
        line({ source: 's', title: 'x', published: 'yesterday' }),
        line({ source: 's', title: 'x', url: 'javascript:alert(1)' }),
        line({ source: 's', title: 'x\u0000y' }),
        line({ source: 's', title: 'x', domains: ['not a domain'] }),
        line({ source: 's', title: 'x', names: Array.from({ length: LIMITS.names + 1 }, (_, i) => `n${i}`) }),
        line({ source: 's', title: 'x'.repeat(LIMITS.titleLength + 1) }),
        line({ source: 's', title: 'ok' }),
        'null',
      ].join('\n'),
    );
    assert.equal(parsed.records.length, 1);
    const reasons = Object.fromEntries(parsed.errors.map((e) => [e.record, e.reason]));
    assert.match(reasons['line 2'], /not JSON/);
    assert.match(reasons['line 3'], /must be a JSON object, not an array/);
    assert.match(reasons['line 4'], /title: must be a string/);
    assert.match(reasons['line 5'], /source: is required/);
    assert.match(reasons['line 6'], /names: must be an array/);
    assert.match(reasons['line 7'], /names\[0\]: must be a string/);
    assert.match(reasons['line 8'], /not a real date/);
    assert.match(reasons['line 9'], /ISO 8601/);
    assert.match(reasons['line 10'], /http\(s\) URL/);
    assert.match(reasons['line 11'], /NUL/);
    assert.match(reasons['line 12'], /not a domain/);
    assert.match(reasons['line 13'], /more than 100/);
    assert.match(reasons['line 14'], /longer than 1000/);
    assert.match(reasons['line 15'], /repeats an earlier line/);
    assert.match(reasons['line 16'], /not null/);
  });

  test('a file that is not UTF-8, or too long, is refused whole', () => {
    assert.throws(() => parseMentions(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), (e: unknown) => e instanceof AppError && /UTF-8/.test(e.message));
    assert.throws(() => parseMentions('\n'.repeat(LIMITS.lines + 2)), (e: unknown) => e instanceof AppError && /at most/.test(e.message));
    const huge = line({ source: 's', title: 'x', text: 'a'.repeat(LIMITS.lineBytes) });
    assert.match(parseMentions(huge).errors[0].reason, /longer than/);
  });
});

describe('vendor matcher', () => {
  const matcher = new MentionMatcher([
    { id: 'acme', name: 'Acme Corporation', aliases: ['ACME Payroll'], domains: ['acme.co.uk'] },
    { id: '3cx', name: '3CX', aliases: [], domains: ['3cx.com'] },
    { id: 'ibm', name: 'IBM', aliases: [], domains: ['ibm.com'] },
    { id: 'pages-a', name: 'Alpha Pages', aliases: [], domains: ['alpha.github.io'] },
    { id: 'pages-b', name: 'Beta Pages', aliases: [], domains: ['beta.github.io'] },
  ]);
  const match = (m: Partial<{ title: string; text: string; names: string[]; domains: string[] }>) => matcher.match({ title: '', text: '', names: [], domains: [], ...m });

  test('names are compared without case, accents, punctuation and legal suffixes; similarity is Dice on character pairs', () => {
    assert.equal(normaliseName('The ACME Corp., Inc.'), 'acme');
    assert.equal(normaliseName('Ärzte & Söhne GmbH'), 'arzte and sohne');
    assert.equal(diceSimilarity('night', 'nacht'), 0.25);
    assert.equal(diceSimilarity('acme', 'acme'), 1);
  });

  test('registrable domains use the public suffix list, private suffixes included', () => {
    assert.equal(registrableDomain('mail.acme.co.uk'), 'acme.co.uk');
    assert.equal(registrableDomain('www.alpha.github.io'), 'alpha.github.io');
    assert.equal(registrableDomain('localhost'), null);
    const [m] = match({ domains: ['vpn.acme.co.uk'] });
    assert.deepEqual([m.vendorId, m.confidence, m.best.method], ['acme', 0.98, 'domain']);
    assert.match(m.explanation, /registrable domain acme\.co\.uk/);
    assert.deepEqual(match({ domains: ['co.uk', 'github.io'] }), [], 'a public suffix alone names no vendor');
    assert.deepEqual(match({ domains: ['beta.github.io'] }).map((x) => x.vendorId), ['pages-b']);
  });

  test('exact, alias and fuzzy names; names in the title and text; evidence combines', () => {
    assert.deepEqual(match({ names: ['ACME Corp'] }).map((x) => [x.vendorId, x.confidence, x.best.method]), [['acme', 0.95, 'name']]);
    assert.deepEqual(match({ names: ['Acme Payroll Ltd'] }).map((x) => [x.vendorId, x.best.method]), [['acme', 'alias']]);
    // "acmee" against "acme": 3 shared pairs of 4 + 3 → Dice 6/7 = 0.857, confidence 0.9 × 0.857.
    const fuzzy = match({ names: ['Acmee Inc'] });
    assert.deepEqual([fuzzy[0].best.method, fuzzy[0].confidence], ['fuzzy-name', 0.77]);
    assert.match(fuzzy[0].explanation, /0\.86 similar to the vendor's name "Acme Corporation"/);
    assert.deepEqual(match({ names: ['Umbrella'] }), []);
    const numbered = new MentionMatcher([{ id: 'a', name: 'Globex 1', aliases: [], domains: [] }, { id: 'b', name: 'Globex 2', aliases: [], domains: [] }]);
    assert.deepEqual(numbered.match({ title: '', text: '', names: ['Globex 2 Ltd'], domains: [] }).map((x) => x.vendorId), ['b'], 'names that differ in a number are different vendors');

    const title = match({ title: 'Trojanised 3CX installers found' });
    assert.deepEqual(title.map((x) => [x.vendorId, x.confidence, x.best.method]), [['3cx', 0.75, 'name-in-title']]);
    assert.deepEqual(match({ text: 'the IBM mainframe' }), [], 'a short name in the text alone is too weak (0.36)');
    const both = match({ title: '3CX breach', text: 'downloads from download.3cx.com' });
    // Title (0.75), the domain in the text (0.85) and the name inside that host (0.6): 1 − 0.25 × 0.15 × 0.4 = 0.985, capped at 0.99.
    assert.equal(both[0].confidence, 0.99);
    assert.deepEqual(match({ title: '3CX breach', names: ['3CX Ltd'] })[0].confidence, 0.99, 'name 0.95 and title 0.75 combine');
    assert.match(both[0].explanation, /independent evidence/);
  });

  test('hosts in text, and excerpts around the match', () => {
    assert.deepEqual(hostsIn('mail me at a@Mail.Example.com or see https://x.example.org/path, not 1.2.3.4'), ['mail.example.com', 'x.example.org']);
    const text = `${'lorem '.repeat(200)}Acme leaked ${'ipsum '.repeat(200)}`;
    const excerpt = excerptOf(text, ['Acme']);
    assert.ok(excerpt.length <= 302);
    assert.match(excerpt, /Acme leaked/);
    assert.equal(excerptOf('short', ['x']), 'short');
  });
});
