import { getDomain } from 'tldts';

/**
 * Which vendors a post names, and how sure we are. Every signal has a confidence in [0, 1] and a
 * sentence that explains it; a vendor's confidence combines its signals as independent evidence
 * (1 − Π(1 − c)), so two weak signals together outweigh either alone. Matches below
 * MIN_CONFIDENCE are not kept.
 *
 * Signals, strongest first:
 * - domain (0.98): a domain the post names has the same registrable domain as one of the vendor's
 *   (public-suffix aware: mail.acme.co.uk → acme.co.uk; private suffixes count, so two vendors on
 *   acme.github.io and other.github.io stay apart).
 * - name (0.95 for the vendor's name, 0.90 for an alias): a name the post lists equals it once
 *   case, accents, punctuation and legal suffixes (Inc, Ltd, GmbH, …) are set aside.
 * - fuzzy name (0.9 × similarity, kept from similarity 0.8): the Sørensen–Dice coefficient of the
 *   two normalised names' character pairs ("acmee" vs "acme"); numbers in the names must be equal
 *   ("Vendor 1" never fuzzily matches "Vendor 2").
 * - domain in text (0.85): the vendor's registrable domain written in the title or text.
 * - name in title (0.75) or text (0.6): the normalised name as whole words. Short names (under 4
 *   characters, no digit: "ibm") count 0.6 of that, being more often a coincidence.
 */
export const MIN_CONFIDENCE = 0.5;

export interface VendorTerms {
  id: string;
  name: string;
  aliases: string[];
  domains: string[];
}

export interface Signal {
  method: 'domain' | 'name' | 'alias' | 'fuzzy-name' | 'domain-in-text' | 'name-in-title' | 'name-in-text';
  seen: string;
  vendorTerm: string;
  confidence: number;
  explanation: string;
}

export interface VendorMatch {
  vendorId: string;
  confidence: number;
  /** The strongest signal (what the list shows), and the whole explanation. */
  best: Signal;
  explanation: string;
}

export interface MentionInput {
  title: string;
  text: string;
  names: string[];
  domains: string[];
}

const LEGAL_SUFFIXES = new Set([
  'inc', 'incorporated', 'corp', 'corporation', 'co', 'company', 'ltd', 'limited', 'llc', 'llp', 'plc', 'gmbh', 'ag', 'kg', 'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'oy', 'ab', 'as', 'aps', 'pty', 'pte', 'kk', 'group', 'holdings', 'the',
]);
const MAX_TEXT_DOMAINS = 500;
const MAX_TERM_TOKENS = 6;

/** Lower case, accents and punctuation removed, legal suffixes dropped: "ACME Corp., Inc." → "acme". */
export function normaliseName(name: string): string {
  const tokens = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  while (tokens.length > 1 && LEGAL_SUFFIXES.has(tokens[tokens.length - 1])) tokens.pop();
  while (tokens.length > 1 && tokens[0] === 'the') tokens.shift();
  return tokens.join(' ');
}

/** Sørensen–Dice coefficient of two strings' character pairs (multiset), 0–1. */
export function diceSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const pairs = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) {
    const p = a.slice(i, i + 2);
    pairs.set(p, (pairs.get(p) ?? 0) + 1);
  }
  let overlap = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const p = b.slice(i, i + 2);
    const n = pairs.get(p) ?? 0;
    if (n > 0) {
      pairs.set(p, n - 1);
      overlap++;
    }
  }
  return (2 * overlap) / (a.length - 1 + b.length - 1);
}

/** The registrable domain (public-suffix aware, private suffixes included), or null for non-domains. */
export function registrableDomain(host: string): string | null {
  return getDomain(host.toLowerCase().replace(/^\*\./, '').replace(/\.$/, ''), { allowPrivateDomains: true });
}

const round = (n: number) => Math.round(n * 100) / 100;

interface Term {
  vendorId: string;
  original: string;
  normal: string;
  kind: 'name' | 'alias';
  /** The normal form without spaces, and its numbers: what fuzzy matching compares. */
  compact: string;
  digits: string;
}

export class MentionMatcher {
  private readonly byDomain = new Map<string, Array<{ vendorId: string; domain: string }>>();
  private readonly byNormal = new Map<string, Term[]>();
  private readonly byToken = new Map<string, Term[]>();

  constructor(vendors: VendorTerms[]) {
    for (const v of vendors) {
      for (const d of v.domains) {
        const reg = registrableDomain(d);
        if (reg) push(this.byDomain, reg, { vendorId: v.id, domain: d });
      }
      const terms = [{ original: v.name, kind: 'name' as const }, ...v.aliases.map((a) => ({ original: a, kind: 'alias' as const }))].map((t): Term => {
        const normal = normaliseName(t.original);
        return { ...t, vendorId: v.id, normal, compact: normal.replace(/ /g, ''), digits: digitsOf(normal) };
      });
      for (const t of terms) {
        if (!t.normal) continue;
        push(this.byNormal, t.normal, t);
        for (const key of prefixKeys(t.normal)) push(this.byToken, key, t);
      }
    }
  }

  match(m: MentionInput): VendorMatch[] {
    const signals = new Map<string, Signal[]>();
    const add = (vendorId: string, s: Signal) => push(signals, vendorId, s);

    for (const d of m.domains) {
      const reg = registrableDomain(d);
      for (const hit of reg ? (this.byDomain.get(reg) ?? []) : []) {
        add(hit.vendorId, { method: 'domain', seen: d, vendorTerm: hit.domain, confidence: 0.98, explanation: `the post names ${d}, whose registrable domain ${reg} is the vendor's (${hit.domain})` });
      }
    }
    for (const name of m.names) {
      const normal = normaliseName(name);
      if (!normal) continue;
      const exact = this.byNormal.get(normal) ?? [];
      for (const t of exact) {
        add(t.vendorId, {
          method: t.kind,
          seen: name,
          vendorTerm: t.original,
          confidence: t.kind === 'name' ? 0.95 : 0.9,
          explanation: `the post names "${name}", the vendor's ${t.kind} "${t.original}" once case, punctuation and legal suffixes are set aside`,
        });
      }
      const digits = digitsOf(normal);
      const compact = normal.replace(/ /g, '');
      const candidates = new Set<Term>();
      // Numbers name different things ("Vendor 1" is not "Vendor 2"): they must agree exactly.
      for (const key of prefixKeys(normal)) for (const t of this.byToken.get(key) ?? []) if (t.digits === digits && t.normal !== normal) candidates.add(t);
      for (const t of candidates) {
        // Dice is at most 2·min / (a + b) of the two pair counts: when that is under 0.8, skip the count.
        const [a, b] = [compact.length - 1, t.compact.length - 1];
        if (2 * Math.min(a, b) < 0.8 * (a + b)) continue;
        const similarity = diceSimilarity(compact, t.compact);
        if (similarity < 0.8) continue;
        add(t.vendorId, {
          method: 'fuzzy-name',
          seen: name,
          vendorTerm: t.original,
          confidence: round(0.9 * similarity),
          explanation: `the post names "${name}", ${round(similarity)} similar to the vendor's ${t.kind} "${t.original}" (shared character pairs of "${normal}" and "${t.normal}")`,
        });
      }
    }

    const written = `${m.title}\n${m.text}`;
    for (const host of hostsIn(written)) {
      const reg = registrableDomain(host);
      for (const hit of reg ? (this.byDomain.get(reg) ?? []) : []) {
        add(hit.vendorId, { method: 'domain-in-text', seen: host, vendorTerm: hit.domain, confidence: 0.85, explanation: `the post's text mentions ${host}, on the vendor's registrable domain ${reg}` });
      }
    }
    for (const [where, text, base] of [['title', m.title, 0.75], ['text', m.text, 0.6]] as const) {
      for (const { term, phrase } of this.termsIn(text)) {
        const short = term.normal.length < 4 && !/\d/.test(term.normal);
        const confidence = round(base * (short ? 0.6 : 1));
        add(term.vendorId, {
          method: where === 'title' ? 'name-in-title' : 'name-in-text',
          seen: phrase,
          vendorTerm: term.original,
          confidence,
          explanation: `the ${where} contains "${phrase}", the vendor's ${term.kind} "${term.original}"${short ? ' (a short name: weaker)' : ''}`,
        });
      }
    }

    const matches: VendorMatch[] = [];
    for (const [vendorId, list] of signals) {
      // The strongest signal per method: the same name found twice is not two pieces of evidence.
      const perMethod = new Map<string, Signal>();
      for (const s of list) if (!perMethod.has(s.method) || perMethod.get(s.method)!.confidence < s.confidence) perMethod.set(s.method, s);
      const kept = [...perMethod.values()].sort((a, b) => b.confidence - a.confidence);
      const confidence = round(Math.min(0.99, 1 - kept.reduce((p, s) => p * (1 - s.confidence), 1)));
      if (confidence < MIN_CONFIDENCE) continue;
      const explanation = `${confidence.toFixed(2)}: ${kept.map((s) => `${s.explanation} (${s.confidence.toFixed(2)})`).join('; ')}${kept.length > 1 ? '; combined as independent evidence, 1 − Π(1 − c)' : ''}`;
      matches.push({ vendorId, confidence, best: kept[0], explanation });
    }
    return matches.sort((a, b) => b.confidence - a.confidence || a.vendorId.localeCompare(b.vendorId));
  }

  /** Vendor names and aliases written as whole words: token n-grams of the normalised text looked up in the name index. */
  private termsIn(text: string): Array<{ term: Term; phrase: string }> {
    const tokens = normaliseTokens(text);
    const found = new Map<Term, string>();
    for (let i = 0; i < tokens.length; i++) {
      let phrase = '';
      for (let n = 0; n < MAX_TERM_TOKENS && i + n < tokens.length; n++) {
        phrase = n ? `${phrase} ${tokens[i + n]}` : tokens[i];
        for (const t of this.byNormal.get(phrase) ?? []) if (!found.has(t)) found.set(t, phrase);
      }
    }
    return [...found].map(([term, phrase]) => ({ term, phrase }));
  }
}

function digitsOf(normal: string): string {
  return (normal.match(/\d+/g) ?? []).join(' ');
}

/** Fuzzy candidates share a word start: the first three characters of any word ("acmee" finds "acme"). */
function prefixKeys(normal: string): Set<string> {
  return new Set(normal.split(' ').filter((w) => w.length >= 2).map((w) => w.slice(0, 3)));
}

function normaliseTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
}

/** Host names written in a text (also in URLs and e-mail addresses), at most MAX_TEXT_DOMAINS. */
export function hostsIn(text: string): string[] {
  const hosts = new Set<string>();
  const re = /(?<![\p{L}\p{N}.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9])(?![\p{L}\p{N}-])/giu;
  for (const m of text.matchAll(re)) {
    hosts.add(m[1].toLowerCase());
    if (hosts.size >= MAX_TEXT_DOMAINS) break;
  }
  return [...hosts];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A short excerpt around the first place a matched term appears (else the start), whitespace collapsed. */
export function excerptOf(text: string, terms: string[], max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const lower = flat.toLowerCase();
  const at = terms.map((t) => lower.indexOf(t.toLowerCase())).filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, Math.min(at - Math.floor(max / 3), flat.length - max));
  return `${start > 0 ? '…' : ''}${flat.slice(start, start + max).trim()}${start + max < flat.length ? '…' : ''}`;
}
