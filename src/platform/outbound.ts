import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';

/**
 * The one policy for HTTP requests this server makes on a user's behalf (feed sources today,
 * webhooks later): only http(s), and never to loopback, private, link-local or other special
 * addresses unless configuration allows them. The check runs on the addresses DNS returns, and the
 * connection goes to the address that was checked (the lookup is the connection's own), so a name
 * that resolves differently a moment later (DNS rebinding) cannot swap it. Every redirect is
 * checked the same way.
 */
export interface OutboundPolicy {
  /** true: any address; a list: these networks (CIDR) besides public addresses; false: public only. */
  allowPrivate: boolean | string[];
}

export class OutboundRefusedError extends Error {
  readonly code = 'EOUTBOUNDREFUSED';
}

const SPECIAL: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', '"this network"'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'private (unique local)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

/** Why an address may not be reached under this policy, or null when it may. */
export function refusalOf(address: string, policy: OutboundPolicy): string | null {
  const family = isIP(address);
  if (!family) return `${address} is not an IP address`;
  // IPv4-mapped and NAT64 IPv6 addresses reach the IPv4 address they embed.
  const embedded = family === 6 ? embeddedIpv4(address) : null;
  const target = embedded ?? address;
  const type = embedded || family === 4 ? 'ipv4' : 'ipv6';
  const special = SPECIAL.find(([net, prefix, t]) => t === type && inSubnet(target, net, prefix, t));
  if (!special || policy.allowPrivate === true) return null;
  if (Array.isArray(policy.allowPrivate) && policy.allowPrivate.some((cidr) => inCidr(target, type, cidr))) return null;
  return `${address} is a ${special[3]} address (allow it with THIRDWATCH_OUTBOUND_ALLOW_PRIVATE)`;
}

/** Parses a CIDR (or a bare address); null when it is not one. */
export function parseCidr(text: string): { network: string; prefix: number; type: 'ipv4' | 'ipv6' } | null {
  const [network, bits] = text.trim().split('/');
  const family = isIP(network ?? '');
  if (!family) return null;
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) return null;
  return { network, prefix, type: family === 4 ? 'ipv4' : 'ipv6' };
}

function inCidr(address: string, type: 'ipv4' | 'ipv6', cidr: string): boolean {
  const parsed = parseCidr(cidr);
  return parsed !== null && parsed.type === type && inSubnet(address, parsed.network, parsed.prefix, type);
}

function inSubnet(address: string, network: string, prefix: number, type: 'ipv4' | 'ipv6'): boolean {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return list.check(address, type);
}

function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return null;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Shown in place of a credential; written back as is, it keeps the stored credential. */
export const REDACTED = '***';

/**
 * Query parameters that carry credentials (API keys, tokens, passwords, signatures), by name:
 * compared lower-case with separators removed, so `api_key`, `X-Api-Key` and `apiKey` all match.
 */
const CREDENTIAL_PARAM = /(?:key|token|secret|passw(?:or)?d|pwd|pass|sig|signature|credentials?|auth|authorization|session|jwt)$|token|secret|passw|signature|credential/;

export function isCredentialParam(name: string): boolean {
  return CREDENTIAL_PARAM.test(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * The URL with its credentials replaced by ***: the user name and password, and the value of every
 * query parameter that carries one (see isCredentialParam). The one function for showing or
 * logging any URL that may hold credentials.
 */
export function redactUrl(url: string): string {
  // Secrets sit in credentials (before an @) or query parameters (after a ?): without either
  // there is nothing to parse (a request path is not an absolute URL, and URL throws on it).
  if (!url.includes('?') && !url.includes('@')) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/[^/@]*@/, `//${REDACTED}@`).replace(/([?&][^=&#]*=)[^&#]*/g, (match, head: string) => (isCredentialParam(head.slice(1, -1)) ? `${head}${REDACTED}` : match));
  }
  const secretParams = [...new Set([...parsed.searchParams.keys()].filter(isCredentialParam))];
  if (!parsed.username && !parsed.password && !secretParams.length) return url;
  if (parsed.username) parsed.username = REDACTED;
  if (parsed.password) parsed.password = REDACTED;
  for (const name of secretParams) {
    const count = parsed.searchParams.getAll(name).length;
    parsed.searchParams.delete(name);
    for (let i = 0; i < count; i++) parsed.searchParams.append(name, REDACTED);
  }
  return parsed.toString();
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** The URL that answered, after redirects (credentials redacted). */
  url: string;
}

const MAX_REDIRECTS = 5;

/** GET under the policy, following up to five redirects, each one checked like the first URL. */
export interface OutboundOptions {
  policy: OutboundPolicy;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** The resolver the connection uses (node:dns lookup by default); its answer is what is checked. */
  lookup?: typeof lookup;
  /** Headers that hold credentials (lower case, e.g. an API key): like URL credentials, never sent on to another origin. */
  credentialHeaders?: string[];
}

export async function outboundGet(url: string, options: OutboundOptions): Promise<OutboundResponse> {
  return follow(url, options, [301, 302, 303, 307, 308]);
}

function requestOnce(url: URL, options: OutboundOptions, send?: { method: string; body: Buffer }): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new OutboundRefusedError(`${url.protocol} URLs are not fetched (only http and https)`));
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node connects to an IP literal without a lookup: check it here.
  if (isIP(host)) {
    const refusal = refusalOf(host, options.policy);
    if (refusal) return Promise.reject(new OutboundRefusedError(refusal));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers = send ? { ...options.headers, 'content-length': String(send.body.length) } : options.headers;
    const request = client.request(url, { method: send?.method ?? 'GET', headers, signal: options.signal, lookup: checkedLookup(options.policy, options.lookup ?? lookup) }, resolve);
    request.on('error', reject);
    request.end(send?.body);
  });
}

/**
 * Sends a request with a body (webhooks) under the policy. Only 307 and 308 redirects are followed
 * (they keep the method and body), each checked like the first URL, with credentials dropped on a
 * change of origin as in outboundGet; any other answer, a 301/302/303 included, is the response.
 */
export async function outboundSend(url: string, options: OutboundOptions & { method?: 'POST' | 'PUT'; body: string | Buffer }): Promise<OutboundResponse> {
  const send = { method: options.method ?? 'POST', body: Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body) };
  return follow(url, options, [307, 308], send);
}

/** One request and the redirects it may follow (`statuses`), each hop checked like the first URL. */
async function follow(url: string, options: OutboundOptions, statuses: number[], send?: { method: string; body: Buffer }): Promise<OutboundResponse> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, options, send);
    const location = response.headers.location;
    if (response.statusCode && statuses.includes(response.statusCode) && location) {
      response.resume();
      if (hop >= MAX_REDIRECTS) throw new OutboundRefusedError(`more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, current);
      // Credentials go to the origin they were given for, never to where it redirects.
      if (next.origin !== current.origin) {
        next.username = '';
        next.password = '';
        if (options.credentialHeaders?.length && options.headers) {
          options = { ...options, headers: Object.fromEntries(Object.entries(options.headers).filter(([name]) => !options.credentialHeaders!.includes(name.toLowerCase()))) };
        }
      }
      current = next;
      continue;
    }
    return { status: response.statusCode ?? 0, headers: response.headers, body: response, url: redactUrl(current.toString()) };
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A DNS lookup that fails unless every address the name resolves to is allowed. */
function checkedLookup(policy: OutboundPolicy, resolve: typeof lookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const refusal = refusalOf(address, policy);
        if (refusal) return callback(new OutboundRefusedError(`${hostname} resolves to ${refusal}`), []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
