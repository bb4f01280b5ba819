// Indicator values as one spelling per thing: refanged, lower-cased where case means nothing,
// IDNs in punycode, IPv6 compressed. Two feeds naming the same domain then name the same row.
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { parse as parseDomain } from 'tldts';
import type { IndicatorType, Tlp } from './model.js';

const HASH_LENGTHS: Record<string, IndicatorType> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const MAX_VALUE = 2048;

/** Defanged spellings analysts and feeds use so that indicators are not clickable: hxxp, [.], (.), [@] … */
export function refang(text: string): string {
  return text
    .trim()
    .replace(/^h(?:xx|\[xx\]|XX)p(s?)/i, (_m, s: string) => `http${s.toLowerCase()}`)
    .replace(/^fxp/i, 'ftp')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/\[(?:\.|dot)\]|\((?:\.|dot)\)|\{(?:\.|dot)\}|\\\./gi, '.')
    .replace(/\[@\]|\(@\)|\[at\]|\(at\)/gi, '@')
    .replace(/\[:\]/g, ':');
}

export class IndicatorValueError extends Error {
  override name = 'IndicatorValueError';
}

/** The normalised value of `raw` as `type`; throws IndicatorValueError saying why it is not one. */
export function normalizeValue(type: IndicatorType, raw: string): string {
  const text = refang(raw);
  if (!text) throw new IndicatorValueError(`empty ${type}`);
  if (text.length > MAX_VALUE) throw new IndicatorValueError(`a ${type} of ${text.length} characters is longer than the ${MAX_VALUE}-character limit`);
  switch (type) {
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const hex = text.toLowerCase();
      if (!/^[0-9a-f]+$/.test(hex) || HASH_LENGTHS[hex.length] !== type) throw new IndicatorValueError(`"${clip(text)}" is not a ${type.toUpperCase()} (hex of ${lengthOf(type)} characters)`);
      return hex;
    }
    case 'domain':
      return normalizeDomain(text);
    case 'url':
      return normalizeUrl(text);
    case 'ipv4': {
      const ip = text.replace(/\/32$/, '');
      if (!isIPv4(ip)) throw new IndicatorValueError(`"${clip(text)}" is not an IPv4 address`);
      return ip;
    }
    case 'ipv6': {
      const ip = text.replace(/\/128$/, '').replace(/^\[|\]$/g, '');
      // isIPv6 accepts a zone id ("fe80::1%eth0"): it names an interface of the host that logged
      // it, not anything on the network, so such a value is refused rather than half-kept.
      if (!isIPv6(ip) || ip.includes('%')) throw new IndicatorValueError(`"${clip(text)}" is not an IPv6 address${ip.includes('%') ? ' (a zone id such as %eth0 only means something on the host that wrote it)' : ''}`);
      return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
    }
    case 'email': {
      const at = text.lastIndexOf('@');
      const local = text.slice(0, at);
      if (at < 1 || !/^[^\s@<>()[\],;:"]+$/.test(local) || local.length > 64) throw new IndicatorValueError(`"${clip(text)}" is not an e-mail address`);
      return `${local.toLowerCase()}@${normalizeDomain(text.slice(at + 1))}`;
    }
  }
}

export function normalizeDomain(text: string): string {
  const trimmed = text.toLowerCase().replace(/\.$/, '');
  const ascii = domainToASCII(trimmed);
  const labels = ascii.split('.');
  if (!ascii || ascii.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || isIPv4(ascii) || /^[0-9]+$/.test(labels[labels.length - 1])) {
    throw new IndicatorValueError(`"${clip(text)}" is not a domain name`);
  }
  return ascii;
}

function normalizeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IndicatorValueError(`"${clip(text)}" is not a URL`);
  }
  if (!url.hostname || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) throw new IndicatorValueError(`"${clip(text)}" is not a URL with a host`);
  return url.href;
}

/** The type a bare value has by its shape (a CSV cell, a MISP attribute of a loose type); null when none fits. */
export function typeByShape(raw: string): IndicatorType | null {
  const text = refang(raw);
  if (!text || text.length > MAX_VALUE) return null;
  if (/^[0-9a-fA-F]+$/.test(text) && HASH_LENGTHS[text.length]) return HASH_LENGTHS[text.length];
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return 'url';
  if (isIPv4(text.replace(/\/32$/, ''))) return 'ipv4';
  if (isIPv6(text.replace(/\/128$/, '').replace(/^\[|\]$/g, ''))) return 'ipv6';
  if (/^[^\s@]+@[^\s@]+$/.test(text)) return 'email';
  // A bare name is a domain only under a known public suffix: "3CXDesktopApp.msi" and "ffmpeg.dll" are file names.
  if (/^[^\s/:@]+\.[^\s/:@]+$/.test(text)) {
    try {
      return parseDomain(normalizeDomain(text)).isIcann ? 'domain' : null;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * The address of an `address:port` value (ThreatFox `ip:port`, URLhaus hosts, MISP `hostname|port`
 * halves written together): "203.0.113.5:443" → "203.0.113.5", "[2001:db8::1]:80" → "2001:db8::1",
 * "c2.example.net:8080" → "c2.example.net"; null when the text is not one.
 */
export function withoutPort(raw: string): string | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/.exec(refang(raw));
  if (!m || Number(m[3]) > 65535) return null;
  const host = m[1] ?? m[2];
  return m[1] ? (isIPv6(host) ? host : null) : host;
}

/** An address range (CIDR) wider than one address: matchable indicators are single addresses. */
export function isNetworkRange(raw: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(refang(raw));
  if (!m) return false;
  const bits = Number(m[2]);
  return (isIPv4(m[1]) && bits < 32) || (isIPv6(m[1]) && bits < 128);
}

/** A TLP marking as written anywhere ("TLP:AMBER+STRICT", "tlp:white", "green"); null when it is none. */
export function tlpOf(text: string): Tlp | null {
  const level = text.trim().toLowerCase().replace(/^tlp\s*[:-]?\s*/, '');
  if (level === 'white' || level === 'clear') return 'clear';
  if (level === 'green' || level === 'amber' || level === 'red' || level === 'amber+strict') return level;
  return null;
}

function lengthOf(type: IndicatorType): number {
  return Number(Object.entries(HASH_LENGTHS).find(([, t]) => t === type)![0]);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** A table lookup by a key read from input: only the table's own entries ("constructor" is not one). */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
