/**
 * The detectors. Every one is a hand-written scan that looks at each character a bounded number of
 * times (anchors found by one prefilter walk over the text, candidates grown to a fixed maximum
 * length, then validated),
 * so no input can make scanning worse than linear; no detector uses a backtracking regular
 * expression on the input. Matches become Detections with a confidence from the validator, the
 * format, the words before the match and the field name; the matched text only feeds validators
 * and previews and is never kept.
 */
import { isIPv6 } from 'node:net';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { ConfidenceTier, Detection, DetectionType } from './pii.model.js';
import {
  birthDateValid,
  bsnValid,
  cardBrand,
  dniValid,
  entropy,
  hetuValid,
  IBAN_LENGTHS,
  ibanValid,
  ninoValid,
  peselValid,
  personnummerValid,
  ssnValid,
} from './pii.validators.js';
import { CONTEXT_FOR, contextVerdict, hasAny, PASSWORD_WORDS, SECRET_WORDS, splitWords, type Verdict } from './pii.context.js';
import { Layout } from './pii.layout.js';
import { Prefilter } from './pii.prefilter.js';
import type { CompiledPattern } from './pii.patterns.js';

export function tierOf(confidence: number): ConfidenceTier {
  if (confidence >= 0.8) return 'high';
  if (confidence >= 0.5) return 'medium';
  return 'low';
}

/** Below this a candidate is noise, not a low-confidence detection. */
const FLOOR = 0.2;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;
const isAlnum = (c: number): boolean => isDigit(c) || isUpper(c) || isLower(c);
const isWord = (c: number): boolean => isAlnum(c) || c === 95;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
/** Characters that glue digit runs into one bigger number or code ("1.5", "2024-01", "12/3"). */
const isJoin = (c: number): boolean => c === 46 || c === 45 || c === 47 || c === 95;

/**
 * One pass of every detector over a whole text. Candidates are found in the text as it is (a JSON
 * body with its punctuation and keys: a value never runs into the next across quotes and commas);
 * the layout is asked, only for a candidate that got that far, which value it is in, so context
 * words are read inside that value and its field name is known.
 */
class Scan {
  readonly out: Detection[] = [];
  private readonly len: number;

  constructor(
    readonly text: string,
    private readonly layout: Layout,
    private readonly patterns: CompiledPattern[],
    /** The body's bytes, when each is one character of the text (ASCII). */
    private readonly bytes: Uint8Array | undefined,
  ) {
    this.len = text.length;
  }

  private readonly phoneWords = new Map<number, boolean>();

  /** Whether any phone word is in the value at `pos` or its field: national numbers need one. */
  mayBePhone(pos: number): boolean {
    const k = this.layout.at(pos);
    let yes = this.phoneWords.get(k);
    if (yes === undefined) {
      const value = k === -1 ? this.text.slice(Math.max(0, pos - 64), pos) : this.text.slice(this.layout.start(k), this.layout.end(k));
      yes = PHONE_HINT.test(value) || this.layout.fieldWords(k).some((w) => CONTEXT_FOR.phone!.has(w));
      this.phoneWords.set(k, yes);
    }
    return yes;
  }

  /** Where the words before `pos` may start: at most `span` back, and not before its value. */
  windowStart(k: number, pos: number, span: number): number {
    return Math.max(k === -1 ? 0 : this.layout.start(k), pos - span);
  }

  // Where each detector may start (pii.prefilter.ts), set by run(). The typed arrays are views of
  // the prefilter's memory, which the next scan's walk overwrites: the scans of decoded values
  // start after every detector of this scan has run.
  private groups: Int32Array = NO_ANCHORS;
  private n = 0;
  private longTokens: Int32Array = NO_ANCHORS;
  private letterStarts: Int32Array = NO_ANCHORS;
  private ats: number[] = [];
  private pluses: number[] = [];
  private colonPairs: number[] = [];
  private jwtStarts: number[] = [];
  private pemStarts: number[] = [];
  private secretStarts: number[] = [];
  private secretRules: SecretRule[] = [];
  private passwordHint = false;

  /** One walk over the text finds every place a detector could match, so no detector reads the whole text again. */
  prefilter(): void {
    const a = PREFILTER.run(this.text, this.bytes);
    this.groups = a.groups;
    this.n = a.groups.length / 2;
    this.longTokens = a.longTokens;
    this.letterStarts = a.letterStarts;
    this.ats = a.ats;
    this.pluses = a.pluses;
    this.colonPairs = a.colonPairs;
    this.jwtStarts = a.jwtStarts;
    this.pemStarts = a.pemStarts;
    this.secretStarts = a.prefixStarts;
    this.secretRules = a.prefixIndexes.map((i) => SECRET_RULES[i]!);
    this.passwordHint = a.passwordHint;
  }

  gs(k: number): number {
    return this.groups[2 * k]!;
  }

  ge(k: number): number {
    return this.groups[2 * k + 1]!;
  }

  glen(k: number): number {
    return this.ge(k) - this.gs(k);
  }

  /** The separator between group k and k+1 when it is short, else null. */
  sep(k: number): string | null {
    return k + 1 < this.n && this.gs(k + 1) - this.ge(k) <= 2 ? this.text.slice(this.ge(k), this.gs(k + 1)) : null;
  }

  code(i: number): number {
    return i >= 0 && i < this.len ? this.text.charCodeAt(i) : -1;
  }

  /** A number or code may start here: not in the middle of a word or of a longer joined number. */
  startOk(i: number): boolean {
    const p = this.code(i - 1);
    if (p === -1) return true;
    if (isWord(p)) return false;
    return !(isJoin(p) && isAlnum(this.code(i - 2)));
  }

  endOk(i: number): boolean {
    const n = this.code(i);
    if (n === -1) return true;
    if (isWord(n)) return false;
    return !(isJoin(n) && isAlnum(this.code(i + 1)));
  }

  verdict(start: number, type: DetectionType): Verdict {
    const k = this.layout.at(start);
    return contextVerdict(this.text.slice(this.windowStart(k, start, 40), start), type, this.layout.fieldWords(k));
  }

  emit(type: DetectionType, subtype: string | null, start: number, end: number, confidence: number, preview: string): void {
    const c = Math.max(0, Math.min(1, Math.round(confidence * 100) / 100));
    if (c < FLOOR) return;
    const k = this.layout.at(start);
    if (k !== -1 && this.layout.isSkipped(k)) return;
    this.out.push({
      type,
      subtype,
      offset: this.layout.bodyOffset(k, start),
      length: end - start,
      confidence: c,
      tier: tierOf(c),
      preview,
      field: this.layout.field(k),
    });
  }

  run(): Detection[] {
    this.prefilter();
    this.emails();
    this.numbers();
    this.letterCodes();
    this.phonesInternational();
    this.ipv6();
    this.secretsByPrefix();
    this.privateKeys();
    this.jwts();
    this.highEntropy();
    this.namedMonthDates();
    this.custom();
    for (const { k, text } of this.layout.decoded) {
      const value = Layout.whole(text.length, this.layout.bodyOffset(k, this.layout.start(k)), this.layout.field(k));
      for (const d of new Scan(text, value, this.patterns, undefined).run()) this.out.push(d);
    }
    return this.out;
  }

  // --- e-mail -------------------------------------------------------------------------------

  emails(): void {
    const { text } = this;
    let from = 0;
    for (const at of this.ats) {
      if (at < from) continue;
      let s = at;
      while (s > 0 && at - s < 64 && isLocalChar(this.code(s - 1))) s--;
      if (s > 0 && isLocalChar(this.code(s - 1))) continue; // local part longer than 64
      while (s < at && this.code(s) === 46) s++;
      if (s === at || this.code(at - 1) === 46) continue;
      let e = at + 1;
      while (e < this.len && e - at <= 253 && isDomainChar(this.code(e))) e++;
      while (e > at + 1 && (this.code(e - 1) === 46 || this.code(e - 1) === 45)) e--;
      const domain = text.slice(at + 1, e);
      const labels = domain.split('.');
      if (labels.length < 2 || labels.some((l) => l.length === 0 || l.length > 63 || l.startsWith('-') || l.endsWith('-'))) continue;
      const tld = labels[labels.length - 1]!;
      if (!/^[A-Za-z]{2,24}$/.test(tld) || FILE_EXTENSIONS.has(tld.toLowerCase())) continue;
      const local = text.slice(s, at);
      this.emit('email', null, s, e, 0.92, `${local[0]}***@${domain[0]}***.${tld}`);
      from = e;
    }
  }

  // --- digit-based identifiers ---------------------------------------------------------------

  numbers(): void {
    const { text, n } = this;

    let covered = -1; // end of the last card/IBAN-like span, so its digits are not re-read as something else
    for (let k = 0; k < n; k++) {
      if (this.gs(k) < covered) continue;
      const start = this.gs(k);
      const len0 = this.glen(k);
      // Fewer than six digits with no group joined after them is no identifier (quantities, years, ids).
      if (len0 < 6 && (k + 1 === n || this.gs(k + 1) - this.ge(k) > 2)) continue;
      if (this.startOk(start) || this.code(start - 1) === 40) {
        const card = this.card(k, n);
        if (card > 0) {
          covered = card;
          continue;
        }
        this.ssn(k, n);
        this.phoneNational(k, n);
      }
      if (!this.startOk(start)) continue;
      const single = this.endOk(this.ge(k));
      if (len0 === 9 && single) this.bsn(start, this.ge(k));
      if (len0 === 11 && single) this.pesel(start, this.ge(k));
      if ((len0 === 10 || len0 === 12) && single) this.personnummer(start, this.ge(k), text.slice(start, this.ge(k)).slice(-10), false);
      if ((len0 === 6 || len0 === 8) && (this.sep(k) === '-' || this.sep(k) === '+') && this.glen(k + 1) === 4 && this.endOk(this.ge(k + 1))) {
        this.personnummer(start, this.ge(k + 1), text.slice(start, this.ge(k)).slice(-6) + text.slice(this.gs(k + 1), this.ge(k + 1)), true);
      }
      if (len0 === 6) this.hetu(start, this.ge(k));
      if (len0 === 8) this.dni(start, this.ge(k));
      if (len0 <= 3 && k + 3 < n) this.ipv4(k);
      this.date(k, n);
    }
  }

  card(
    k: number,
    n: number,
  ): number {
    if (!this.startOk(this.gs(k))) return 0;
    const sizes = [this.glen(k)];
    let total = sizes[0]!;
    let m = k;
    let joiner: string | null = null;
    while (m + 1 < n && total < 19) {
      const s = this.sep(m);
      if ((s !== ' ' && s !== '-') || (joiner !== null && s !== joiner)) break;
      joiner = s;
      total += this.glen(m + 1);
      sizes.push(this.glen(m + 1));
      m++;
    }
    if (total < 13 || total > 19) return 0;
    // A longer number joined the same way is not a card with extra digits.
    if (joiner !== null && m + 1 < n && this.sep(m) === joiner) return 0;
    if (!this.endOk(this.ge(m))) return 0;
    const shape = sizes.join('-');
    const grouped = sizes.length > 1;
    if (grouped && !CARD_SHAPES.test(shape)) return 0;
    const digits = this.text.slice(this.gs(k), this.ge(m)).replace(/[ -]/g, '');
    const brand = cardBrand(digits);
    if (!brand) return 0;
    const v = this.verdict(this.gs(k), 'payment_card');
    let c = grouped ? 0.8 : 0.6;
    if (v === 'for') c += 0.3;
    if (v === 'against') c -= 0.45;
    this.emit('payment_card', brand, this.gs(k), this.ge(m), c, maskKeepLast(this.text.slice(this.gs(k), this.ge(m)), 4));
    return this.ge(m);
  }

  ssn(
    k: number,
    n: number,
  ): void {
    const start = this.gs(k);
    if (!this.startOk(start)) return;
    let end: number;
    let formatted: boolean;
    if (this.glen(k) === 3 && k + 2 < n && this.glen(k + 1) === 2 && this.glen(k + 2) === 4 && (this.sep(k) === '-' || this.sep(k) === ' ') && this.sep(k + 1) === this.sep(k)) {
      end = this.ge(k + 2);
      formatted = true;
    } else if (this.glen(k) === 9) {
      end = this.ge(k);
      formatted = false;
    } else return;
    if (!this.endOk(end)) return;
    const value = this.text.slice(start, end);
    if (!ssnValid(value.replace(/[ -]/g, ''))) return;
    const v = this.verdict(start, 'us_ssn');
    let c = formatted ? 0.6 : 0.3;
    if (v === 'for') c += formatted ? 0.35 : 0.55;
    if (v === 'against') c -= 0.4;
    this.emit('us_ssn', null, start, end, c, maskKeepLast(value, 2));
  }

  phoneNational(
    k: number,
    n: number,
  ): void {
    const open = this.code(this.gs(k) - 1) === 40;
    const start = open ? this.gs(k) - 1 : this.gs(k);
    if (!this.startOk(start)) return;
    let digits = this.glen(k);
    let m = k;
    while (m + 1 < n && digits < 15) {
      const s = this.sep(m);
      if (s === null || !PHONE_SEPARATORS.has(s)) break;
      digits += this.glen(m + 1);
      m++;
    }
    if (digits < 7 || digits > 15 || m === k || !this.endOk(this.ge(m))) return;
    const candidate = this.text.slice(start, this.ge(m));
    if (open && !candidate.includes(')')) return;
    const nanp = /^(\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}$|^1[-. ]\d{3}[-. ]\d{3}[-. ]\d{4}$/.test(candidate);
    if (!nanp && !this.mayBePhone(start)) return;
    const v = this.verdict(start, 'phone');
    if (v === 'against' || (!nanp && v !== 'for')) return;
    const regions: CountryCode[] = nanp ? ['US'] : ['US', 'GB', 'DE', 'FR'];
    for (const region of regions) {
      const parsed = parsePhoneNumberFromString(candidate, region);
      if (parsed?.isValid()) {
        this.emit('phone', parsed.country ?? region, start, this.ge(m), v === 'for' ? 0.85 : 0.6, maskKeepLast(candidate, 2));
        return;
      }
    }
  }

  phonesInternational(): void {
    const { text } = this;
    let from = 0;
    for (const plus of this.pluses) {
      if (plus < from) continue;
      if (!isDigit(this.code(plus + 1)) || isAlnum(this.code(plus - 1))) continue;
      let e = plus + 1;
      let digits = 0;
      while (e < this.len && e - plus < 24) {
        const c = this.code(e);
        if (isDigit(c)) digits++;
        else if (!(c === 32 || c === 45 || c === 46 || c === 40 || c === 41)) break;
        e++;
      }
      while (e > plus && !isDigit(this.code(e - 1))) e--;
      if (digits < 8 || digits > 15 || isDigit(this.code(e))) continue;
      if (!this.endOk(e) && this.code(e) !== 46) continue;
      const candidate = text.slice(plus, e);
      const parsed = parsePhoneNumberFromString(candidate);
      if (!parsed?.isPossible()) continue;
      const valid = parsed.isValid();
      const v = this.verdict(plus, 'phone');
      // A number outside the numbering plan's assigned ranges still counts when it is called a phone.
      if (!valid && v !== 'for') continue;
      let c = valid ? 0.75 : 0.55;
      if (v === 'for') c += 0.15;
      if (v === 'against') c -= 0.4;
      this.emit('phone', parsed.country ?? null, plus, e, c, maskKeepLast(candidate, 2));
      from = e;
    }
  }

  nationalId(subtype: string, start: number, end: number, base: number, withContext: number): void {
    const v = this.verdict(start, 'national_id');
    if (v === 'against') return;
    const c = v === 'for' ? withContext : base;
    this.emit('national_id', subtype, start, end, c, maskKeepLast(this.text.slice(start, end), 2));
  }

  bsn(start: number, end: number): void {
    if (bsnValid(this.text.slice(start, end))) this.nationalId('nl-bsn', start, end, 0.3, 0.9);
  }

  pesel(start: number, end: number): void {
    if (peselValid(this.text.slice(start, end))) this.nationalId('pl-pesel', start, end, 0.45, 0.92);
  }

  personnummer(start: number, end: number, ten: string, formatted: boolean): void {
    if (personnummerValid(ten)) this.nationalId('se-personnummer', start, end, formatted ? 0.55 : 0.3, 0.92);
  }

  hetu(start: number, end: number): void {
    const value = this.text.slice(start, end + 5);
    if (value.length === 11 && this.endOk(end + 5) && hetuValid(value)) this.nationalId('fi-hetu', start, end + 5, 0.8, 0.95);
  }

  dni(start: number, end: number): void {
    const letter = this.code(end);
    if (!isUpper(letter) || !this.endOk(end + 1)) return;
    if (dniValid(this.text.slice(start, end + 1))) this.nationalId('es-dni', start, end + 1, 0.7, 0.95);
  }

  ipv4(k: number): void {
    const octets: number[] = [];
    for (let j = k; j < k + 4; j++) {
      const s = this.text.slice(this.gs(j), this.ge(j));
      if (s.length > 3 || (s.length > 1 && s[0] === '0') || Number(s) > 255) return;
      if (j < k + 3 && this.sep(j) !== '.') return;
      octets.push(Number(s));
    }
    const start = this.gs(k);
    const end = this.ge(k + 3);
    if (!this.startOk(start) || !this.endOk(end)) return;
    const [a, b] = octets as [number, number, number, number];
    let c = 0.6;
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) c = 0.5;
    if (a === 0 || a === 127 || a >= 224 || (a === 169 && b === 254) || a === 255) c = 0.25;
    const v = this.verdict(start, 'ip_address');
    if (v === 'for') c += 0.25;
    if (v === 'against') c -= 0.4;
    this.emit('ip_address', 'ipv4', start, end, c, `${a}.*.*.*`);
  }

  date(
    k: number,
    n: number,
  ): void {
    if (k + 2 >= n) return;
    const s1 = this.sep(k);
    const s2 = this.sep(k + 1);
    if (s1 === null || s1 !== s2 || !DATE_SEPARATORS.has(s1)) return;
    const start = this.gs(k);
    const end = this.ge(k + 2);
    // An ISO timestamp's date part counts ("1990-05-12T00:00:00Z").
    const timeFollows = this.code(end) === 84 && isDigit(this.code(end + 1));
    if (!this.startOk(start) || !(this.endOk(end) || timeFollows)) return;
    const parts = [0, 1, 2].map((j) => Number(this.text.slice(this.gs(k + j), this.ge(k + j))));
    const lens = [this.glen(k), this.glen(k + 1), this.glen(k + 2)];
    let valid = false;
    if (lens[0] === 4 && lens[1]! <= 2 && lens[2]! <= 2) valid = birthDateValid(parts[0]!, parts[1]!, parts[2]!);
    else if (lens[2] === 4 && lens[0]! <= 2 && lens[1]! <= 2) {
      valid = birthDateValid(parts[2]!, parts[1]!, parts[0]!) || birthDateValid(parts[2]!, parts[0]!, parts[1]!);
    }
    if (!valid) return;
    const year = lens[0] === 4 ? parts[0]! : parts[2]!;
    if (new Date().getUTCFullYear() - year > 120) return;
    if (this.verdict(start, 'date_of_birth') !== 'for') return;
    this.emit('date_of_birth', null, start, end, 0.85, this.text.slice(start, end).replace(/\d/g, '*'));
  }

  /** Birth dates written with the month's name ("born 12 March 1985", "DOB: Mar 12, 1985"), only where birth is mentioned. */
  namedMonthDates(): void {
    const { text, layout } = this;
    if (!this.namedMonthYear() || (!layout.namesHidden && !BIRTH_HINT.test(text))) return;
    const dates = new RegExp(NAMED_MONTH_DATE.source, 'gi');
    for (let m = dates.exec(text); m !== null; m = dates.exec(text)) {
      const [day, month, year] = m[1] ? [m[1], m[2]!, m[3]!] : [m[5]!, m[4]!, m[6]!];
      const start = m.index;
      const end = start + m[0].length;
      if (!this.startOk(start) || !this.endOk(end)) continue;
      const y = Number(year);
      if (!birthDateValid(y, MONTHS.indexOf(month.slice(0, 3).toLowerCase()) + 1, Number(day)) || new Date().getUTCFullYear() - y > 120) continue;
      if (this.verdict(start, 'date_of_birth') !== 'for') continue;
      this.emit('date_of_birth', null, start, end, 0.85, m[0].replace(/\d/g, '*'));
    }
  }

  /**
   * Whether some run of four or more digits stands where a named-month date's year does: after
   * the month's name ("March 1985", "Mar.-1985") or after the day that follows it ("Mar 12, 1985",
   * "March 1st 1985"). Without one, the date expression cannot match anywhere in the text.
   */
  namedMonthYear(): boolean {
    for (let k = 0; k < this.n; k++) {
      if (this.glen(k) < 4) continue;
      const y = this.gs(k);
      const c1 = this.code(y - 1);
      if (!(c1 === 32 || c1 === 44 || c1 === 45)) continue;
      if (this.monthEndsAt(y - 1)) return true;
      const c2 = this.code(y - 2);
      if ((c2 === 32 || c2 === 44 || c2 === 45) && this.monthEndsAt(y - 2)) return true;
      if (c1 !== 32) continue;
      // "<month> <day>[st|nd|rd|th][,] <year>"
      let p = c2 === 44 ? y - 2 : y - 1;
      if (isLower(this.code(p - 1) | 32) && isLower(this.code(p - 2) | 32)) p -= 2;
      if (!isDigit(this.code(p - 1))) continue;
      if (this.code(p - 2) === 32 && this.monthEndsAt(p - 2)) return true;
      if (isDigit(this.code(p - 2)) && this.code(p - 3) === 32 && this.monthEndsAt(p - 3)) return true;
    }
    return false;
  }

  /** Whether a month's name, in any case and maybe followed by a dot, ends at `end`. */
  monthEndsAt(end: number): boolean {
    const at = this.code(end - 1) === 46 ? end - 1 : end;
    // Most numbers follow no month: its last three letters rule them out without a slice.
    const tail = ((this.code(at - 3) | 32) << 16) | ((this.code(at - 2) | 32) << 8) | (this.code(at - 1) | 32);
    if (!MONTH_TAILS.has(tail)) return false;
    for (let length = 3; length <= 9 && length <= at; length++) {
      if (MONTH_SPELLINGS.has(this.text.slice(at - length, at).toLowerCase())) return true;
    }
    return false;
  }

  // --- letter-led codes: IBAN, NINO, NIE ----------------------------------------------------

  letterCodes(): void {
    const { text } = this;
    let from = 0;
    for (const i of this.letterStarts) {
      if (i < from) continue;
      if (i + 3 >= this.len || !this.startOk(i)) continue;
      const c0 = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      if (isUpper(c1)) {
        if (isDigit(text.charCodeAt(i + 2)) && isDigit(text.charCodeAt(i + 3))) {
          const end = this.iban(i);
          if (end > 0) {
            from = end;
            continue;
          }
        }
        this.nino(i);
      } else if ((c0 === 88 || c0 === 89 || c0 === 90) && isDigit(c1)) {
        const value = text.slice(i, i + 9);
        if (/^[XYZ]\d{7}[A-Z]$/.test(value) && this.endOk(i + 9) && dniValid(value)) this.nationalId('es-nie', i, i + 9, 0.75, 0.95);
      }
    }
  }

  iban(i: number): number {
    const country = this.text.slice(i, i + 2);
    const length = IBAN_LENGTHS[country];
    if (length === undefined) return 0;
    let compact = '';
    let j = i;
    while (j < this.len && compact.length < length) {
      const c = this.code(j);
      if (isAlnum(c)) compact += this.text[j]!.toUpperCase();
      else if (c === 32 && compact.length % 4 === 0 && isAlnum(this.code(j + 1))) {
        // grouped by four in print
      } else break;
      j++;
    }
    if (compact.length !== length || !this.endOk(j) || !ibanValid(compact)) return 0;
    this.emit('iban', country, i, j, 0.95, `${country}** **** … **${compact.slice(-2)}`);
    return j;
  }

  nino(i: number): void {
    let j = i + 2;
    let digits = '';
    while (digits.length < 6) {
      if (this.code(j) === 32 && digits.length % 2 === 0 && isDigit(this.code(j + 1))) j++;
      if (!isDigit(this.code(j))) return;
      digits += this.text[j];
      j++;
    }
    let suffix = '';
    let k = j;
    if (this.code(k) === 32 && isUpper(this.code(k + 1))) k++;
    const s = this.code(k);
    if (s >= 65 && s <= 68 && this.endOk(k + 1)) {
      suffix = this.text[k]!;
      j = k + 1;
    } else if (!this.endOk(j)) return;
    if (!ninoValid(this.text.slice(i, i + 2) + digits + suffix)) return;
    const v = this.verdict(i, 'uk_nino');
    let c = suffix ? 0.75 : 0.45;
    if (v === 'for') c += 0.2;
    this.emit('uk_nino', null, i, j, c, `${'*'.repeat(j - i - 1)}${suffix || '*'}`);
  }

  // --- IPv6 --------------------------------------------------------------------------------

  ipv6(): void {
    const { text } = this;
    // Every IPv6 address has two colons at most four hex digits apart; its first colon starts such a pair.
    let from = 0;
    for (const colon of this.colonPairs) {
      if (colon < from) continue;
      let s = colon;
      while (s > 0 && colon - s < 5 && (isHex(this.code(s - 1)) || this.code(s - 1) === 58)) s--;
      if (isAlnum(this.code(s - 1))) continue;
      let e = colon;
      while (e < this.len && e - s < 46 && (isHex(this.code(e)) || this.code(e) === 58 || this.code(e) === 46)) e++;
      while (e > colon && this.code(e - 1) === 46) e--;
      if (isAlnum(this.code(e)) || e - s >= 46) {
        from = e + 1;
        continue;
      }
      let colons = 0;
      for (let j = s; j < e; j++) if (this.code(j) === 58) colons++;
      const candidate = colons >= 2 ? text.slice(s, e) : '';
      if (!candidate || !/[0-9a-fA-F]/.test(candidate) || !isIPv6(candidate)) {
        from = Math.max(colon, e - 1) + 1;
        continue;
      }
      const lower = candidate.toLowerCase();
      let c = 0.7;
      if (lower === '::1' || lower.startsWith('fe80:') || lower.startsWith('ff')) c = 0.3;
      const v = this.verdict(s, 'ip_address');
      if (v === 'for') c += 0.2;
      if (v === 'against') c -= 0.4;
      this.emit('ip_address', 'ipv6', s, e, c, `${candidate.split(':')[0] || ''}:****`);
      from = e + 1;
    }
  }

  // --- credentials -------------------------------------------------------------------------

  secretsByPrefix(): void {
    const { secretStarts, secretRules } = this;
    let from = 0;
    for (let t = 0; t < secretStarts.length; t++) {
      const at = secretStarts[t]!;
      if (at < from) continue;
      const rule = secretRules[t]!;
      if (isWord(this.code(at - 1)) && !rule.prefix.startsWith('https://')) continue;
      let e = at + rule.prefix.length;
      while (e < this.len && e - at < rule.prefix.length + rule.max && rule.chars(this.code(e))) e++;
      const body = e - at - rule.prefix.length;
      if (body < rule.min || (e < this.len && rule.chars(this.code(e)))) continue;
      this.emit('secret', rule.kind, at, e, rule.confidence, `${rule.prefix}****`);
      from = e;
    }
  }

  privateKeys(): void {
    const { text } = this;
    let endMarker = -2; // the next END marker, searched once per position so many BEGINs stay linear
    let from = 0;
    for (const at of this.pemStarts) {
      if (at < from) continue;
      const header = text.slice(at, at + 60);
      const m = /^-----BEGIN ([A-Z0-9 ]{0,30})PRIVATE KEY( BLOCK)?-----/.exec(header);
      if (!m) continue;
      if (endMarker !== -1 && endMarker < at + m[0].length) endMarker = text.indexOf('-----END ', at + m[0].length);
      let end = at + m[0].length;
      if (endMarker !== -1 && endMarker - at < 16384) {
        const close = text.indexOf('-----', endMarker + 9);
        end = close !== -1 && close - endMarker < 60 ? close + 5 : endMarker;
      }
      this.emit('secret', 'private-key', at, end, 0.99, `${m[1] ?? ''}PRIVATE KEY ****`.trimStart());
      from = end;
    }
  }

  jwts(): void {
    const { text } = this;
    let from = 0;
    for (const at of this.jwtStarts) {
      if (at < from || isWord(this.code(at - 1)) || this.code(at - 1) === 45) continue;
      let e = at;
      while (e < this.len && e - at < 16384 && (isWord(this.code(e)) || this.code(e) === 45 || this.code(e) === 46)) e++;
      const token = text.slice(at, e).replace(/\.+$/, '');
      const parts = token.split('.');
      if (parts.length !== 3 || !parts[0] || !parts[1]) {
        from = e;
        continue;
      }
      const header = decodeJsonSegment(parts[0]);
      const payload = decodeJsonSegment(parts[1]);
      if (header && typeof header.alg === 'string' && payload) {
        const alg = String(header.alg).slice(0, 10).replace(/[^A-Za-z0-9]/g, '');
        this.emit('jwt', alg || null, at, at + token.length, 0.9, `eyJ****.****.**** (alg ${alg})`);
      }
      from = e;
    }
  }

  /** Long random-looking tokens after a key-like name, and whole values of password fields. */
  highEntropy(): void {
    const { text, layout } = this;
    const passwords = new Set<number>();
    // A password field's name is in the text (a JSON key), unless names were decoded or given.
    if (layout.namesHidden || this.passwordHint) {
      for (let k = 0; k < layout.size; k++) {
        if (layout.isSkipped(k) || !hasAny(layout.fieldWords(k), PASSWORD_WORDS)) continue;
        const raw = text.slice(layout.start(k), layout.end(k));
        const value = raw.trim();
        if (value.length < 6 || value.length > 256 || PLACEHOLDERS.has(value.toLowerCase()) || /^\*+$/.test(value)) continue;
        const start = layout.start(k) + raw.indexOf(value);
        this.emit('secret', 'password', start, start + value.length, 0.75, '********');
        passwords.add(k);
      }
    }
    const long = this.longTokens;
    for (let t = 0; t < long.length; t += 2) {
      const s = long[t]!;
      const i = long[t + 1]!;
      const length = i - s;
      const token = text.slice(s, i);
      if (!/[0-9]/.test(token) || !/[A-Za-z]/.test(token)) continue;
      const k = layout.at(s);
      if (passwords.has(k)) continue;
      const named = hasAny(layout.fieldWords(k), SECRET_WORDS) || hasAny(splitWords(text.slice(this.windowStart(k, s, 32), s)).slice(-3), SECRET_WORDS);
      if (!named || entropy(token) < 3.5) continue;
      this.emit('secret', 'high-entropy', s, i, 0.8, `****(${length} chars)`);
    }
  }

  /** The organisation's patterns, value by value (a pattern never matches across two values). */
  custom(): void {
    if (!this.patterns.length) return;
    const { layout } = this;
    for (let k = 0; k < layout.size; k++) {
      if (layout.isSkipped(k)) continue;
      const start = layout.start(k);
      const value = this.text.slice(start, layout.end(k));
      for (const p of this.patterns) {
        const re = p.regex;
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        let found = 0;
        while ((m = re.exec(value)) !== null && found < 10000) {
          if (m[0].length === 0) {
            re.lastIndex++;
            continue;
          }
          found++;
          this.emit('custom', p.name, start + m.index, start + m.index + m[0].length, p.confidence, `${m[0][0]}***`);
        }
      }
    }
  }
}

const PHONE_HINT = /phone|tel|mobile|cell|fax|call|contact|sms|whatsapp|msisdn|handy/i;
const CARD_SHAPES = /^(4-4-4-4|4-4-4-4-3|4-6-5|4-6-4|4-4-4-1|4-4-4-2|4-4-4-3|4-4-4-4-1|4-4-4-4-2)$/;
const PHONE_SEPARATORS = new Set([' ', '-', '.', ') ', ')', '-(', ' (']);
const DATE_SEPARATORS = new Set(['-', '/', '.']);
const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'css', 'js', 'ico', 'bmp', 'tif', 'tiff']);
const PLACEHOLDERS = new Set(['password', 'changeme', 'null', 'undefined', 'none', 'redacted', '<redacted>', 'secret', 'xxxxxx', 'xxxxxxxx']);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAME = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
/** "12 March 1985", "12th of Mar. 1985", "12-Mar-1985" | "March 12, 1985": bounded repetition only, so linear. */
const NAMED_MONTH_DATE = new RegExp(`(\\d{1,2})(?:st|nd|rd|th)?(?: of)?[ -]${MONTH_NAME}[ ,-]{1,2}(\\d{4})|${MONTH_NAME} (\\d{1,2})(?:st|nd|rd|th)?,? (\\d{4})`);
const MONTH_SPELLINGS = new Set(['jan', 'january', 'feb', 'february', 'mar', 'march', 'apr', 'april', 'may', 'jun', 'june', 'jul', 'july', 'aug', 'august', 'sep', 'sept', 'september', 'oct', 'october', 'nov', 'november', 'dec', 'december']);
const MONTH_TAILS = new Set([...MONTH_SPELLINGS].map((m) => (m.charCodeAt(m.length - 3) << 16) | (m.charCodeAt(m.length - 2) << 8) | m.charCodeAt(m.length - 1)));
/** A birth date needs a birth word before it or in its field name: without one in the text, there is nothing to find. */
const BIRTH_HINT = /dob|birth|born|geb|naiss|nacim|bday/i;


function isLocalChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}
function isDomainChar(c: number): boolean {
  return isAlnum(c) || c === 46 || c === 45;
}

const alnumOrDash = (c: number): boolean => isAlnum(c) || c === 45;
const alnumDashUnderscore = (c: number): boolean => isWord(c) || c === 45;
const upperOrDigit = (c: number): boolean => isUpper(c) || isDigit(c);

interface SecretRule {
  prefix: string;
  kind: string;
  chars: (c: number) => boolean;
  min: number;
  max: number;
  confidence: number;
}

/** Credentials recognisable by their issuer's prefix and length. */
const SECRET_RULES: SecretRule[] = [
  { prefix: 'AKIA', kind: 'aws-access-key', chars: upperOrDigit, min: 16, max: 16, confidence: 0.95 },
  { prefix: 'ASIA', kind: 'aws-access-key', chars: upperOrDigit, min: 16, max: 16, confidence: 0.95 },
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((prefix) => ({
    prefix,
    kind: 'github-token',
    chars: isAlnum,
    min: 36,
    max: 40,
    confidence: 0.95,
  })),
  { prefix: 'github_pat_', kind: 'github-token', chars: isWord, min: 70, max: 100, confidence: 0.95 },
  ...['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-'].map((prefix) => ({
    prefix,
    kind: 'slack-token',
    chars: alnumOrDash,
    min: 10,
    max: 250,
    confidence: 0.95,
  })),
  { prefix: 'https://hooks.slack.com/services/', kind: 'slack-webhook', chars: (c: number) => isAlnum(c) || c === 47, min: 20, max: 120, confidence: 0.9 },
  { prefix: 'sk_live_', kind: 'stripe-secret-key', chars: isAlnum, min: 24, max: 250, confidence: 0.95 },
  { prefix: 'rk_live_', kind: 'stripe-secret-key', chars: isAlnum, min: 24, max: 250, confidence: 0.95 },
  { prefix: 'sk_test_', kind: 'stripe-test-key', chars: isAlnum, min: 24, max: 250, confidence: 0.6 },
  { prefix: 'AIza', kind: 'google-api-key', chars: alnumDashUnderscore, min: 35, max: 35, confidence: 0.95 },
  { prefix: 'glpat-', kind: 'gitlab-token', chars: alnumDashUnderscore, min: 20, max: 64, confidence: 0.95 },
  { prefix: 'npm_', kind: 'npm-token', chars: isAlnum, min: 36, max: 36, confidence: 0.95 },
  { prefix: 'sk-proj-', kind: 'openai-key', chars: alnumDashUnderscore, min: 40, max: 250, confidence: 0.95 },
  { prefix: 'sk-ant-', kind: 'anthropic-key', chars: alnumDashUnderscore, min: 40, max: 250, confidence: 0.95 },
];

/** The issuer prefixes the prefilter reports, in SECRET_RULES' order. */
export const ISSUER_PREFIXES = SECRET_RULES.map((rule) => rule.prefix);
/** Each thread has its own (its memory holds the text being walked). */
const PREFILTER = new Prefilter(ISSUER_PREFIXES);
const NO_ANCHORS = new Int32Array(0);

function decodeJsonSegment(part: string): Record<string, unknown> | null {
  if (part.length > 8192) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Masks every letter and digit except the last `keep` ones, keeping separators: "**** **** **** 4242". */
export function maskKeepLast(value: string, keep: number): string {
  let kept = 0;
  const chars = value.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    if (/[A-Za-z0-9]/.test(chars[i]!)) {
      if (kept < keep) kept++;
      else chars[i] = '*';
    }
  }
  return chars.join('');
}

/**
 * All detections in a text whose values the layout describes (overlaps not yet resolved).
 * `bytes`: the body the text was decoded from, when each of its bytes is one character of the text.
 */
export function scanLayout(text: string, layout: Layout, patterns: CompiledPattern[], bytes?: Uint8Array): Detection[] {
  return new Scan(text, layout, patterns, bytes).run();
}

/**
 * Keeps, of overlapping detections, the most confident (longer on a tie): a card number is not
 * also a phone number, a JWT is not also a high-entropy token.
 */
export function resolveOverlaps(detections: Detection[]): Detection[] {
  const sorted = [...detections].sort((a, b) => a.offset - b.offset || b.length - a.length);
  const kept: Detection[] = [];
  for (const d of sorted) {
    const last = kept[kept.length - 1];
    if (last && d.offset < last.offset + last.length) {
      if (d.confidence > last.confidence || (d.confidence === last.confidence && d.length > last.length)) kept[kept.length - 1] = d;
      continue;
    }
    kept.push(d);
  }
  return kept;
}
