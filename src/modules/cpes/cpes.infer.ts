// Which CPEs an SBOM's components, root and product release are matched under (issue 9): declared
// ones as they are, and for components without a package identity, CPEs inferred from their name,
// supplier and version through a dictionary. Pure functions; the repository reads and writes rows.
import { CpeError, cpeKey, formatCpe, tryParseCpe, type Cpe } from '../purl/index.js';
import { GENERIC } from '../sboms/sboms.identity.js';

/** 'rejected': an inferred CPE an analyst rejected for the component's identity (kept, never matched). */
export type CpeSource = 'declared' | 'root' | 'product' | 'inferred' | 'rejected';

/** One CPE of one component (idx 0: the SBOM's root / product release), as sbom_component_cpes stores it. */
export interface ComponentCpe {
  idx: number;
  cpeKey: string;
  cpe: string;
  source: CpeSource;
  /** 0..1 for inferred CPEs, null otherwise. */
  confidence: number | null;
}

/** A name the dictionary knows: a product seen in NVD records or an imported CPE dictionary. */
export interface DictionaryEntry {
  nameKey: string;
  cpeKey: string;
  vendor: string;
  product: string;
}

/**
 * Common software vendors embed as files rather than packages, with the vendor:product NVD files
 * their CVEs under, the names SBOM generators give them and their suppliers' names.
 */
const SHIPPED: Array<{ cpe: string; names: string[]; suppliers: string[]; confidence: number }> = [
  { cpe: 'google:chrome', names: ['chromium', 'chrome', 'googlechrome', 'libchromiumcontent'], suppliers: ['google', 'chromium', 'thechromiumproject', 'thechromiumauthors'], confidence: 0.7 },
  { cpe: 'electronjs:electron', names: ['electron'], suppliers: ['electron', 'electronjs', 'github', 'openjsfoundation'], confidence: 0.7 },
  { cpe: 'ffmpeg:ffmpeg', names: ['ffmpeg', 'libffmpeg', 'ffmpegdll', 'libavcodec'], suppliers: ['ffmpeg', 'ffmpegorg'], confidence: 0.7 },
  { cpe: 'openssl:openssl', names: ['openssl', 'libssl', 'libcrypto', 'libssl3', 'libcrypto3'], suppliers: ['openssl', 'opensslproject', 'opensslsoftwarefoundation'], confidence: 0.7 },
  { cpe: 'zlib:zlib', names: ['zlib', 'zlib1', 'libz'], suppliers: ['zlib', 'jeanloupgailly', 'markadler'], confidence: 0.7 },
  { cpe: 'sqlite:sqlite', names: ['sqlite', 'sqlite3', 'libsqlite3'], suppliers: ['sqlite', 'hwaci', 'sqliteconsortium'], confidence: 0.7 },
  { cpe: 'webmproject:libwebp', names: ['libwebp', 'webp', 'libwebpdecoder'], suppliers: ['google', 'webmproject'], confidence: 0.7 },
  { cpe: 'haxx:curl', names: ['curl', 'curlexe'], suppliers: ['haxx', 'curl', 'danielstenberg'], confidence: 0.7 },
  { cpe: 'haxx:libcurl', names: ['libcurl'], suppliers: ['haxx', 'curl', 'danielstenberg'], confidence: 0.7 },
  { cpe: '7-zip:7-zip', names: ['7zip', '7z', '7za', '7zdll'], suppliers: ['7zip', 'igorpavlov'], confidence: 0.7 },
  { cpe: 'nodejs:node.js', names: ['nodejs', 'node'], suppliers: ['nodejs', 'openjsfoundation'], confidence: 0.6 },
];

const SHIPPED_BY_NAME = new Map<string, (typeof SHIPPED)[number]>();
for (const entry of SHIPPED) for (const name of entry.names) SHIPPED_BY_NAME.set(name, entry);

/** A supplier named like the CPE vendor makes the inference this much surer. */
const SUPPLIER_BONUS = 0.2;
/** A name seen among NVD products, with nothing else to go by. */
const DICTIONARY_CONFIDENCE = 0.5;

/** Lower-case letters and digits only: how names are compared ("7-Zip" = "7zip", "Node.js" = "nodejs"). */
export function compactName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** The identity an analyst's confirm/reject decision applies to: supplier and name, not version. */
export function componentIdentity(name: string, supplier: string | null): string {
  return `${compactName(supplier ?? '')}|${compactName(name)}`;
}

/** Dictionary name keys worth looking up for a component (its compacted name, then without "lib"/".dll"-like noise). */
export function inferenceNameKeys(name: string): string[] {
  const key = compactName(name);
  if (!key) return [];
  const keys = [key];
  const bare = key.replace(/(dll|so|exe)$/, '');
  if (bare && bare !== key) keys.push(bare);
  return keys;
}

/** Whether a component is one CPEs are inferred for: no package identity (no purl, or a generic one) and no declared CPE. */
export function wantsInference(c: { ecosystem: string; cpe: string | null; version: string | null }): boolean {
  return c.ecosystem === GENERIC && !c.cpe && !!c.version?.trim();
}

/** A CPE value with the characters that are special inside a logical value quoted. */
function logical(value: string): string {
  return value.trim().toLowerCase().replace(/[\\*?]/g, (c) => `\\${c}`);
}

function anyCpe(vendor: string, product: string, version: string): Cpe {
  return { part: 'a', vendor, product, version, update: '*', edition: '*', language: '*', swEdition: '*', targetSw: '*', targetHw: '*', other: '*' };
}

/** `vendor:product` of a key (the vendor may itself hold no colon; NVD vendor names never do). */
function splitCpeKey(key: string): { vendor: string; product: string } {
  const cut = key.indexOf(':');
  return { vendor: key.slice(0, cut), product: key.slice(cut + 1) };
}

/** The CPE text of vendor:product at a version (formatCpe quotes what the binding needs); null when the version cannot be one. */
export function cpeAt(key: string, version: string): string | null {
  const { vendor, product } = splitCpeKey(key);
  return formatted(anyCpe(vendor, product, logical(version)));
}

/** formatCpe, or null for values no CPE can hold (characters outside printable ASCII). */
function formatted(cpe: Cpe): string | null {
  try {
    return formatCpe(cpe);
  } catch (error) {
    if (error instanceof CpeError) return null;
    throw error;
  }
}

export interface Inference {
  cpeKey: string;
  confidence: number;
  /** An analyst rejected it for this component identity: stored as such, never matched. */
  rejected: boolean;
}

/**
 * The CPEs a component is inferred to be, best first: the shipped map, then dictionary names, each
 * surer when the supplier names the CPE's vendor; a rejected vendor:product is marked so, a
 * confirmed one is certain. `decisions` maps cpe keys to 'confirmed' / 'rejected' for this component's identity.
 */
export function inferCpes(c: { name: string; supplier: string | null }, dictionary: DictionaryEntry[], decisions: Map<string, string> | undefined): Inference[] {
  const supplier = compactName(c.supplier ?? '');
  const out = new Map<string, number>();
  const consider = (key: string, base: number, suppliers: string[]) => {
    const bonus = supplier && suppliers.some((s) => s && (supplier === s || supplier.startsWith(s))) ? SUPPLIER_BONUS : 0;
    const confidence = decisions?.get(key) === 'confirmed' ? 1 : Math.round(Math.min(0.95, base + bonus) * 100) / 100;
    if ((out.get(key) ?? 0) < confidence) out.set(key, confidence);
  };
  for (const name of inferenceNameKeys(c.name)) {
    const shipped = SHIPPED_BY_NAME.get(name);
    if (shipped) consider(shipped.cpe, shipped.confidence, shipped.suppliers);
  }
  for (const entry of dictionary) consider(entry.cpeKey, DICTIONARY_CONFIDENCE, [compactName(entry.vendor)]);
  return [...out].map(([cpeKey, confidence]) => ({ cpeKey, confidence, rejected: decisions?.get(cpeKey) === 'rejected' })).sort((a, b) => b.confidence - a.confidence || a.cpeKey.localeCompare(b.cpeKey));
}

/** A 2.3 formatted string has exactly 13 colon-separated parts (escaped colons are part of a value). */
function wholeFormattedString(text: string): boolean {
  if (!/^cpe:2\.3:/i.test(text)) return true;
  return text.replace(/\\./g, '').split(':').length === 13;
}

/**
 * A declared CPE as stored: under its key when it is well formed and names a vendor and product
 * (a malformed one stays text on the component only). Without a version of its own it takes the
 * component's, or it would claim every version a criterion names.
 */
export function declaredCpe(idx: number, text: string, source: 'declared' | 'root', version?: string | null): ComponentCpe | null {
  const parsed = wholeFormattedString(text) ? tryParseCpe(text) : null;
  if (!parsed || parsed.vendor === '*' || parsed.product === '*' || parsed.vendor === '-' || parsed.product === '-') return null;
  const cpe = (parsed.version === '*' && version?.trim() ? formatted({ ...parsed, version: logical(version) }) : null) ?? text;
  return { idx, cpeKey: cpeKey(parsed), cpe, source, confidence: null };
}

/**
 * The product release's CPEs (idx 0): the product's own CPE (its version, when ANY or NA, is the
 * release), else vendor:product spellings derived from the vendor and product names as NVD writes
 * them ("3CX" + "3CX Desktop App" → 3cx:3cx, 3cx:desktopapp, 3cx:desktop_app, 3cx:3cx_desktop_app, …).
 */
export function productCpes(product: { name: string; cpe: string | null }, vendor: { name: string }, release: string): ComponentCpe[] {
  if (product.cpe) {
    const parsed = tryParseCpe(product.cpe);
    if (!parsed || parsed.vendor === '*' || parsed.product === '*') return [];
    const cpe = parsed.version === '*' || parsed.version === '-' ? formatted({ ...parsed, version: logical(release) }) : product.cpe;
    return cpe ? [{ idx: 0, cpeKey: cpeKey(parsed), cpe, source: 'product', confidence: null }] : [];
  }
  const words = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const vendorWords = words(vendor.name).filter((w) => !LEGAL_FORMS.has(w));
  const productWords = words(product.name);
  if (!vendorWords.length || !productWords.length) return [];
  const vendors = new Set([vendorWords.join(''), vendorWords.join('_'), vendorWords[0]]);
  const products = new Set([productWords.join(''), productWords.join('_')]);
  // The product name without the vendor's name in front ("3CX Desktop App" → "desktop app").
  const prefix = vendorWords.length <= productWords.length && vendorWords.every((w, i) => productWords[i] === w) ? vendorWords.length : productWords[0] === vendorWords[0] ? 1 : 0;
  const rest = productWords.slice(prefix);
  if (prefix && rest.length) {
    products.add(rest.join(''));
    products.add(rest.join('_'));
  }
  const out: ComponentCpe[] = [];
  for (const v of vendors) {
    // NVD often files a vendor's flagship under the vendor's own name (3cx:3cx, slack:slack).
    for (const p of new Set([...products, v])) {
      const key = `${v}:${p}`;
      const cpe = cpeAt(key, release);
      if (cpe) out.push({ idx: 0, cpeKey: key, cpe, source: 'product', confidence: null });
    }
  }
  return out;
}

const LEGAL_FORMS = new Set(['inc', 'ltd', 'llc', 'gmbh', 'ag', 'sa', 'bv', 'corp', 'corporation', 'co', 'plc', 'limited', 'technologies', 'software', 'labs']);

/** The name keys a dictionary entry is found under: its product compacted ("desktop_app" → "desktopapp"). */
export function dictionaryNameKey(product: string): string {
  return compactName(product);
}

/** The parsed CPE of a stored row (declared text may use either binding); null when it does not parse. */
export function storedCpe(text: string): Cpe | null {
  return tryParseCpe(text);
}
