import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { EgressEvent } from '../egress.model.js';

/** A request body carried by a JSON lines record: scanned for personal data, then dropped. */
export interface BodySample {
  data: Buffer;
  contentType: string | null;
  contentEncoding: string | null;
}

/**
 * What one line of a log is: an event, nothing to store (comments, headers, records that are no
 * egress such as internal connections), or a problem naming the field and why. A parser never
 * throws on its input: every line has an outcome and the file goes on.
 */
export type LineOutcome =
  | { kind: 'event'; event: EgressEvent; body?: BodySample }
  | { kind: 'skip' }
  | { kind: 'error'; field: string; reason: string };

export interface LineParser {
  parse(line: string): LineOutcome;
}

export const skip: LineOutcome = { kind: 'skip' };
export const problem = (field: string, reason: string): LineOutcome => ({ kind: 'error', field, reason });

/** Paths longer than this are cut: they are kept to group requests, not to replay them. */
export const MAX_PATH = 2048;
const MAX_TEXT = 256;

/** A field error for the parser to report (thrown by the helpers below, caught by each parser). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}…` : text);
export const quote = (text: string) => JSON.stringify(clip(text));

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * The destination as EgressEvent keeps it: lower case, IDNs in punycode, no trailing dot, IPv6
 * without brackets (and in its canonical text), or null when it is no host name or address.
 */
export function normalizeHost(raw: string): string | null {
  let host = raw.trim();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (isIP(host) === 4) return host;
  if (isIP(host) === 6) return canonicalIpv6(host);
  host = host.toLowerCase().replace(/\.$/, '');
  if (!host || host.length > 253) return null;
  const ascii = /^[\x21-\x7e]*$/.test(host) ? host : domainToASCII(host);
  if (!ascii || ascii.length > 253) return null;
  for (const label of ascii.split('.')) if (!LABEL.test(label)) return null;
  return ascii;
}

function canonicalIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

export function hostField(field: string, raw: string): string {
  const host = normalizeHost(raw);
  if (!host) throw new FieldError(field, `${quote(raw)} is not a host name or IP address`);
  return host;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 };

export interface UrlParts {
  host: string;
  port: number | null;
  /** Without query or fragment, cut at MAX_PATH; null for CONNECT's host:port. */
  path: string | null;
}

/**
 * Host, port and path of a logged URL: absolute (`scheme://[user@]host[:port]/path?query`) or
 * CONNECT's `host:port`. The query and fragment are dropped here, before anything is kept: they
 * can carry personal data. So is any user:password before the host.
 */
export function splitUrl(field: string, raw: string): UrlParts {
  const absolute = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/i.exec(raw);
  if (absolute) {
    const scheme = absolute[1].toLowerCase();
    const authority = absolute[2].slice(absolute[2].lastIndexOf('@') + 1);
    const { host, port } = hostPort(field, authority);
    return { host, port: port ?? DEFAULT_PORTS[scheme] ?? null, path: cutPath(absolute[3] || '/') };
  }
  if (/^[^\s/?#]+:\d+$/.test(raw) || /^\[[0-9a-f:.]+\]:\d+$/i.test(raw)) {
    const { host, port } = hostPort(field, raw);
    return { host, port, path: null };
  }
  throw new FieldError(field, `${quote(raw)} is not an absolute URL or host:port`);
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` (a bare IPv6 address has colons of its own). */
export function hostPort(field: string, raw: string): { host: string; port: number | null } {
  let hostText = raw;
  let portText: string | null = null;
  const bracketed = /^(\[[^\]]*\])(?::(\d*))?$/.exec(raw);
  if (bracketed) {
    hostText = bracketed[1];
    portText = bracketed[2] ?? null;
  } else if (isIP(raw) !== 6) {
    const colon = raw.lastIndexOf(':');
    if (colon >= 0) {
      hostText = raw.slice(0, colon);
      portText = raw.slice(colon + 1);
    }
  }
  const port = portText === null || portText === '' ? null : portNumber(field, portText);
  return { host: hostField(field, hostText), port };
}

export function portNumber(field: string, raw: string | number): number {
  const value = typeof raw === 'number' ? raw : /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new FieldError(field, `${quote(String(raw))} is not a port number (0–65535)`);
  return value;
}

/** A path as kept: the query and fragment removed, at most MAX_PATH characters. */
export function cutPath(raw: string): string {
  let end = raw.length;
  const q = raw.indexOf('?');
  if (q >= 0) end = q;
  const h = raw.indexOf('#');
  if (h >= 0 && h < end) end = h;
  const path = raw.slice(0, Math.min(end, MAX_PATH));
  return path || '/';
}

/** A byte count: a whole number from 0 up (safe integers only). */
export function byteCount(field: string, raw: string | number): number {
  const value = typeof raw === 'number' ? raw : /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < 0) throw new FieldError(field, `${quote(String(raw))} is not a byte count`);
  return value;
}

/** HTTP status 100–599; 0 (Squid's "no reply") is null. */
export function statusCode(field: string, raw: string | number): number | null {
  const value = typeof raw === 'number' ? raw : /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (value === 0) return null;
  if (!Number.isInteger(value) || value < 100 || value > 599) throw new FieldError(field, `${quote(String(raw))} is not an HTTP status`);
  return value;
}

const MIN_TIME = Date.UTC(1990, 0, 1);
const MAX_TIME = Date.UTC(2200, 0, 1);

/** Seconds since the epoch (with a fraction) as ISO 8601. */
export function epochSeconds(field: string, raw: string | number): string {
  const value = typeof raw === 'number' ? raw : /^\d{1,12}(\.\d{1,9})?$/.test(raw) ? Number(raw) : NaN;
  return isoTime(field, value * 1000, String(raw));
}

export function isoTime(field: string, ms: number, raw: string): string {
  if (!Number.isFinite(ms) || ms < MIN_TIME || ms > MAX_TIME) throw new FieldError(field, `${quote(raw)} is not a time between 1990 and 2200`);
  return new Date(Math.round(ms)).toISOString();
}

/** An ISO 8601 date-time with a zone (Z or ±hh:mm). */
export function isoString(field: string, raw: string): string {
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) {
    throw new FieldError(field, `${quote(raw)} is not an ISO 8601 date-time with a time zone`);
  }
  return isoTime(field, Date.parse(raw.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1')), raw);
}

/** An HTTP method token, upper case. */
export function methodField(field: string, raw: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,31}$/.test(raw)) throw new FieldError(field, `${quote(raw)} is not an HTTP method`);
  return raw.toUpperCase();
}

/** A media type without parameters, lower case; null for none or junk. */
export function mediaType(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const type = raw.split(';')[0].trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]{1,127}\/[a-z0-9!#$&^_.+-]{1,127}$/.test(type) ? type : null;
}

/** A client address or name as logged: kept as text, bounded. */
export function clientField(raw: string | null | undefined): string | null {
  if (!raw || raw === '-') return null;
  const text = raw.trim();
  if (!text) return null;
  return normalizeHost(text) ?? text.slice(0, MAX_TEXT);
}

/** User-Agent product tokens that name a platform or engine rather than the application. */
const GENERIC_PRODUCTS = new Set(['mozilla', 'applewebkit', 'khtml', 'gecko', 'like', 'safari', 'chrome', 'chromium', 'version', 'mobile', 'edg', 'edge', 'firefox', 'electron', 'opr', 'crios', 'fxios', 'trident', 'headlesschrome']);
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\//, 'Opera'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bElectron\//, 'Electron'],
  [/\bChrome\/|\bCriOS\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
];

/**
 * The application behind a User-Agent: the first product token that is not a browser engine
 * ("3CXDesktopApp/18.12 ... Electron/19" → 3CXDesktopApp, "curl/8.1" → curl), else the browser.
 */
export function appFromUserAgent(userAgent: string | null | undefined): string | null {
  if (!userAgent || userAgent === '-') return null;
  const ua = userAgent.slice(0, 1024);
  for (const match of ua.matchAll(/(?:^|[\s(;,])([A-Za-z0-9][A-Za-z0-9._+-]{0,63})\/[0-9A-Za-z._+-]+/g)) {
    if (!GENERIC_PRODUCTS.has(match[1].toLowerCase())) return match[1];
  }
  for (const [pattern, name] of BROWSERS) if (pattern.test(ua)) return name;
  const first = /^[A-Za-z][A-Za-z0-9._+-]{0,63}/.exec(ua);
  return first ? first[0] : null;
}

/** A free-text field kept as given (application names): bounded, control characters removed. */
export function textField(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const text = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, MAX_TEXT);
  return text || null;
}

export function emptyEvent(source: EgressEvent['source'], at: string, host: string): EgressEvent {
  // Outbound unless the log says the remote side opened it (Zeek's local_orig/local_resp, a JSON line's direction).
  return { at, source, client: null, app: null, method: null, host, port: null, path: null, status: null, bytesOut: 0, bytesIn: 0, contentType: null, dataClasses: [], detections: [], direction: 'outbound', decision: null, reason: null };
}

/** Runs a line's field checks: a FieldError becomes the line's outcome. */
export function guarded(parse: () => LineOutcome): LineOutcome {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FieldError) return problem(error.field, error.reason);
    throw error;
  }
}
