// The pure parts of the egress alert rules: what a destination is for novelty (path owners on
// shared hosting), which product an event's app names, and the robust volume statistic. No I/O:
// the service feeds them a batch's events and the little state it loaded for the batch.
import { parse as parseHost } from 'tldts';

/** The destination as flows key it: the registrable domain (public and private suffixes: alice.github.io), an IP as itself, else the host. */
export function destinationOf(host: string): string {
  const parsed = parseHost(host, { allowPrivateDomains: true });
  if (parsed.isIp) return host;
  return parsed.domain ?? host;
}

export interface NoveltyTarget {
  /** What "new" is judged on: "<platform>:<owner>" on shared hosting, else the owner-aware registrable domain, an IP as itself. */
  target: string;
  /** The shared-hosting platform, when the host is one. */
  platform: string | null;
  /** The path (or host-label) owner on that platform; null when the URL path was not visible. */
  owner: string | null;
}

/** Hosts where anyone publishes under a path: the first path segment (or the one named) is the owner. */
const PATH_OWNED: Array<{ host: RegExp; platform: string; owner: (segments: string[]) => string | undefined }> = [
  { host: /^(?:github\.com|www\.github\.com|raw\.githubusercontent\.com|gist\.github\.com|gist\.githubusercontent\.com|codeload\.github\.com|objects\.githubusercontent\.com|media\.githubusercontent\.com)$/, platform: 'github', owner: (s) => s[0] },
  { host: /^api\.github\.com$/, platform: 'github', owner: (s) => (s[0] === 'repos' || s[0] === 'users' || s[0] === 'orgs' ? s[1] : undefined) },
  { host: /^(?:gitlab\.com|www\.gitlab\.com)$/, platform: 'gitlab', owner: (s) => s[0] },
  { host: /^(?:bitbucket\.org|www\.bitbucket\.org)$/, platform: 'bitbucket', owner: (s) => s[0] },
  // Path-style S3 (s3.amazonaws.com, s3.<region>.amazonaws.com, s3-<region>…, s3.dualstack.<region>…): the bucket.
  { host: /^s3(?:[.-][a-z0-9-]{1,40}){0,3}\.amazonaws\.com$/, platform: 's3', owner: (s) => s[0] },
  { host: /^(?:storage\.googleapis\.com|storage\.cloud\.google\.com)$/, platform: 'gcs', owner: (s) => s[0] },
  { host: /^(?:cdn\.discordapp\.com|media\.discordapp\.net)$/, platform: 'discord', owner: (s) => (s[0] === 'attachments' ? s[1] : undefined) },
  { host: /^pastebin\.com$/, platform: 'pastebin', owner: (s) => (s[0] === 'raw' ? s[1] : s[0]) },
];

/** Hosts whose leftmost label(s) are the owner (virtual-hosted buckets, storage accounts). */
const HOST_OWNED: Array<{ host: RegExp; platform: string }> = [
  { host: /^([a-z0-9][a-z0-9.-]{0,62})\.s3(?:[.-][a-z0-9-]{1,40}){0,3}\.amazonaws\.com$/, platform: 's3' },
  { host: /^([a-z0-9][a-z0-9._-]{0,221})\.storage\.googleapis\.com$/, platform: 'gcs' },
  { host: /^([a-z0-9]{3,24})\.(?:blob|web|dfs)\.core\.windows\.net$/, platform: 'azure' },
];

/**
 * What the new-destination rule judges novelty on. On shared hosting (GitHub, GitLab, Bitbucket,
 * S3, GCS, Azure blob, Discord attachments, Pastebin, and hosts the settings add) everyone's
 * content shares one host, which allowlists trust: the first 3CX payload came from a GitHub
 * repository. There the owner (first path segment, bucket or account) is the destination:
 * "github:iconstorages". When the path is not visible (HTTPS without ssl_bump: CONNECT, TLS SNI),
 * the host is all there is, and it is judged as itself. Elsewhere the registrable domain counts,
 * with the public suffix list's private section (user.github.io, app.herokuapp.com are owners).
 */
export function noveltyTarget(host: string, path: string | null, extraPathOwnedHosts: readonly string[] = []): NoveltyTarget {
  const segments = path === null ? null : pathSegments(path);
  for (const rule of PATH_OWNED) {
    if (!rule.host.test(host)) continue;
    const owner = segments ? cleanOwner(rule.owner(segments)) : null;
    return owner ? { target: `${rule.platform}:${owner}`, platform: rule.platform, owner } : { target: host, platform: rule.platform, owner: null };
  }
  if (extraPathOwnedHosts.includes(host)) {
    const owner = segments ? cleanOwner(segments[0]) : null;
    return owner ? { target: `${host}:${owner}`, platform: host, owner } : { target: host, platform: host, owner: null };
  }
  for (const rule of HOST_OWNED) {
    const match = rule.host.exec(host);
    const owner = match ? cleanOwner(match[1]) : null;
    if (owner) return { target: `${rule.platform}:${owner}`, platform: rule.platform, owner };
  }
  const parsed = parseHost(host, { allowPrivateDomains: true });
  if (parsed.isIp) return { target: host, platform: null, owner: null };
  return { target: parsed.domain ?? host, platform: null, owner: null };
}

/** The first few non-empty segments of a URL path (a query or fragment, if any, is cut). */
function pathSegments(path: string): string[] {
  const cut = path.slice(0, 2048).split(/[?#]/, 1)[0];
  return cut.split('/').filter((s) => s !== '').slice(0, 3);
}

/** An owner as a key: percent-decoded, lower-case (these platforms' names are case-insensitive), a safe alphabet, at most 100 characters. */
function cleanOwner(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // a malformed escape is kept as written
  }
  const owner = text.toLowerCase().replace(/[^a-z0-9._-]/g, '').slice(0, 100);
  return owner && owner !== '.' && owner !== '..' ? owner : null;
}

/**
 * User-Agent product tokens that name a browser engine or runtime, not the software using it:
 * an Electron app says "Chrome/… Electron/… Safari/…" besides its own name, so these never map to
 * a product (else every Electron app would be "Chrome").
 */
const GENERIC_TOKENS = new Set(['mozilla', 'applewebkit', 'khtml', 'gecko', 'chrome', 'chromium', 'safari', 'firefox', 'edg', 'edge', 'electron', 'opr', 'version', 'mobile', 'trident', 'presto', 'like', 'msie', 'curl', 'wget', 'python', 'pythonrequests', 'okhttp', 'java', 'go', 'gohttpclient', 'node', 'nodefetch', 'axios', 'dalvik', 'cfnetwork', 'darwin', 'winhttp']);

/** A name folded for matching: lower-case letters and digits only ("3CX Desktop App" and "3CXDesktopApp" meet). */
export function nameKey(name: string): string {
  return name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The names an event's app could be a product by, most specific first: each product token of a
 * User-Agent ("3CXDesktopApp/18.12.416" → "3cxdesktopapp", browser and HTTP-library tokens left
 * out), or a process name without its directory and extension ("C:\…\3CXDesktopApp.exe").
 * Keys shorter than three characters are dropped: too short to name software.
 */
export function appKeys(app: string | null): string[] {
  if (!app) return [];
  const text = app.slice(0, 1024).trim();
  const keys: string[] = [];
  const add = (name: string) => {
    const key = nameKey(name);
    if (key.length >= 3 && !GENERIC_TOKENS.has(key) && !keys.includes(key)) keys.push(key);
  };
  if (/^(?:[a-z]:\\|\\\\|\/)/i.test(text)) {
    add(stripExtension(text.split(/[\\/]/).pop() ?? ''));
    return keys;
  }
  if (text.includes('/')) {
    // Comments in parentheses ("(Windows NT 10.0; Win64; x64)") hold platforms, not products.
    const tokens = text.replace(/\([^()]*\)/g, ' ').split(/\s+/);
    for (const token of tokens) {
      const slash = token.indexOf('/');
      add(slash === -1 ? token : token.slice(0, slash));
    }
    return keys;
  }
  add(stripExtension(text));
  return keys;
}

const stripExtension = (name: string) => name.replace(/\.(?:exe|app|bin|dll|msi|sh|py|jar)$/i, '');

export interface ProductRef {
  id: string;
  name: string;
  vendorId: string;
  vendorName: string;
}

/**
 * Looks apps up among the vendors' products by name: a product is found by its own name and by
 * its vendor's name followed by it ("3CX" + "Desktop App"). A key two products share names
 * neither (ambiguous), unless one of them has it as vendor + product name.
 */
export class ProductIndex {
  private readonly byKey = new Map<string, ProductRef | null>();

  constructor(products: ProductRef[]) {
    const composite = new Map<string, ProductRef | null>();
    const own = new Map<string, ProductRef | null>();
    const put = (map: Map<string, ProductRef | null>, key: string, product: ProductRef) => {
      if (key.length < 3) return;
      const held = map.get(key);
      map.set(key, held === undefined || held?.id === product.id ? product : null);
    };
    for (const p of products) {
      put(own, nameKey(p.name), p);
      put(composite, nameKey(`${p.vendorName}${p.name}`), p);
    }
    for (const [key, product] of own) this.byKey.set(key, product);
    for (const [key, product] of composite) {
      if (product) this.byKey.set(key, product);
      else if (!this.byKey.has(key)) this.byKey.set(key, null);
    }
  }

  /** The product an app names, or null (unknown, generic, or ambiguous). */
  lookup(app: string | null): ProductRef | null {
    for (const key of appKeys(app)) {
      const product = this.byKey.get(key);
      if (product) return product;
    }
    return null;
  }
}

export function median(values: readonly number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Scale of the median absolute deviation that estimates a normal distribution's standard deviation. */
export const MAD_TO_SIGMA = 1.4826;

export interface VolumeRule {
  /** Hours of history the baseline covers. */
  windowHours: number;
  /** Active hours the baseline needs before it judges anything. */
  minSamples: number;
  /** An hour below this many bytes out is never an anomaly, however unusual. */
  minBytes: number;
  /** How many robust standard deviations above the median an hour must be. */
  threshold: number;
}

export interface VolumeVerdict {
  anomalous: boolean;
  median: number;
  mad: number;
  /** The bytes above which the hour is anomalous: median + threshold × max(1.4826 × MAD, 5% of the median). */
  bound: number;
  samples: number;
}

/**
 * The volume statistic: a flow's bytes out in the current hour against the same flow's active
 * hours (hours it sent anything) over the last windowHours. The centre is the median and the
 * spread the MAD (median absolute deviation) scaled by 1.4826, both robust: a few past bursts move
 * neither, unlike a mean and standard deviation. A perfectly regular flow has MAD 0, so the spread
 * is at least 5% of the median (else one byte more would be an anomaly). An hour is anomalous when
 * it exceeds median + threshold × spread, carries at least minBytes, and the baseline has at least
 * minSamples hours. Idle hours are left out: a nightly backup's baseline is its nightly size, not 0.
 */
export function judgeVolume(history: readonly number[], current: number, rule: VolumeRule): VolumeVerdict {
  const m = median(history);
  const mad = median(history.map((v) => Math.abs(v - m)));
  const spread = Math.max(MAD_TO_SIGMA * mad, 0.05 * m);
  const bound = m + rule.threshold * spread;
  const anomalous = history.length >= rule.minSamples && current >= rule.minBytes && current > bound;
  return { anomalous, median: m, mad, bound, samples: history.length };
}
