import type { EgressEvent } from '../egress.model.js';
import {
  appFromUserAgent,
  byteCount,
  clientField,
  cutPath,
  emptyEvent,
  epochSeconds,
  FieldError,
  guarded,
  hostField,
  hostPort,
  isoString,
  mediaType,
  methodField,
  normalizeHost,
  portNumber,
  problem,
  quote,
  skip,
  splitUrl,
  statusCode,
  type LineOutcome,
  type LineParser,
} from './common.js';

export const ZEEK_LOGS = ['http', 'dns', 'ssl', 'conn'] as const;
export type ZeekLog = (typeof ZEEK_LOGS)[number];

type Record = Map<string, string | null>;

/**
 * Zeek's http.log, dns.log, ssl.log and conn.log, as TSV (the `#separator`, `#set_separator`,
 * `#empty_field`, `#unset_field`, `#path` and `#fields` headers say how to read the lines that
 * follow, and may change mid-file when logs are concatenated) or as JSON lines (`LogAscii::use_json`:
 * flat `id.orig_h` keys or a nested `id` object, `ts` as epoch seconds or ISO 8601). Which log a
 * line belongs to comes from `#path`, a JSON line's `_path`, the file name (`hint`), or the fields
 * present, in that order.
 *
 * Direction comes from `local_orig` and `local_resp` (conn.log has them; other logs when a site
 * adds them): a local originator and a remote responder is outbound; a remote originator and a
 * local responder is inbound, and the event's host is then the remote originator, its client the
 * local responder, and bytesOut what the local side sent. Both local is internal traffic, not
 * egress, and is skipped. Neither local, or the fields absent (Site::local_nets not configured),
 * reads as outbound: the originator is taken as the client, as in http, ssl and dns logs, where the
 * originator makes the request. Inbound DNS (a remote resolver asking a local server) is skipped,
 * as are DNS records without a query.
 */
export function zeekParser(hint: ZeekLog | null = null): LineParser {
  let separator = '\t';
  let setSeparator = ',';
  let emptyField = '(empty)';
  let unsetField = '-';
  let path: ZeekLog | null = hint;
  let fields: string[] | null = null;

  const header = (line: string): LineOutcome => {
    const sep = /^#separator[ \t]/.exec(line);
    if (sep) {
      separator = unescape(line.slice(sep[0].length).trim()) || '\t';
      return skip;
    }
    const at = line.indexOf(separator);
    const name = at < 0 ? line : line.slice(0, at);
    const values = at < 0 ? [] : line.slice(at + separator.length).split(separator);
    switch (name) {
      case '#set_separator':
        setSeparator = unescape(values[0] ?? ',') || ',';
        break;
      case '#empty_field':
        emptyField = values[0] ?? '(empty)';
        break;
      case '#unset_field':
        unsetField = values[0] ?? '-';
        break;
      case '#path': {
        const value = values[0] ?? '';
        path = (ZEEK_LOGS as readonly string[]).includes(value) ? (value as ZeekLog) : null;
        if (!path) return problem('#path', `${quote(value)} is not one of the logs read (${ZEEK_LOGS.join(', ')}): its lines will be skipped`);
        break;
      }
      case '#fields':
        if (!values.length || values.some((v) => !v)) return problem('#fields', 'an empty field name');
        fields = values;
        break;
    }
    return skip;
  };

  const tsv = (line: string): LineOutcome => {
    if (!fields) return problem('#fields', 'a data line before any #fields header (is this a Zeek TSV log?)');
    const values = line.split(separator);
    if (values.length !== fields.length) return problem('line', `${values.length} values for ${fields.length} #fields (truncated or another log's line?)`);
    const record: Record = new Map();
    for (let i = 0; i < fields.length; i++) {
      const raw = values[i];
      record.set(fields[i], raw === unsetField ? null : raw === emptyField ? '' : unescape(raw));
    }
    const log = path ?? guess(record);
    if (!log) return skip;
    return toEvent(log, record, setSeparator);
  };

  return {
    parse: (line) =>
      guarded(() => {
        if (!line.trim()) return skip;
        if (line.startsWith('#')) return header(line);
        if (line.trimStart().startsWith('{')) return json(line, hint);
        return tsv(line);
      }),
  };
}

/** Zeek writes bytes outside printable ASCII, and the separator inside a value, as \xHH. */
function unescape(text: string): string {
  if (!text.includes('\\x')) return text;
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function json(line: string, hint: ZeekLog | null): LineOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return problem('line', `not JSON (${(error as Error).message}; truncated?)`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return problem('line', 'a JSON line must be an object');
  const record: Record = new Map();
  flatten(parsed as { [key: string]: unknown }, '', record, 0);
  const declared = record.get('_path');
  const log = declared ? ((ZEEK_LOGS as readonly string[]).includes(declared) ? (declared as ZeekLog) : null) : (hint ?? guess(record));
  if (!log) return declared ? skip : problem('line', 'cannot tell which Zeek log this is (no _path, and not the fields of http, dns, ssl or conn)');
  return toEvent(log, record, null);
}

/** `{"id": {"orig_h": ...}}` and `{"id.orig_h": ...}` read the same; arrays are kept as JSON text. */
function flatten(object: { [key: string]: unknown }, prefix: string, into: Record, depth: number): void {
  for (const [key, value] of Object.entries(object)) {
    const name = prefix + key;
    if (value === null || value === undefined) into.set(name, null);
    else if (typeof value === 'object' && !Array.isArray(value) && depth < 2) flatten(value as { [key: string]: unknown }, `${name}.`, into, depth + 1);
    else if (typeof value === 'string') into.set(name, value);
    else if (typeof value === 'number' || typeof value === 'boolean') into.set(name, String(value));
    else into.set(name, JSON.stringify(value));
  }
}

function guess(record: Record): ZeekLog | null {
  if (record.has('method') || record.has('uri')) return 'http';
  if (record.has('query') && record.has('qtype_name')) return 'dns';
  if (record.has('server_name') || record.has('cipher')) return 'ssl';
  if (record.has('conn_state') || record.has('orig_bytes')) return 'conn';
  return null;
}

function required(record: Record, field: string): string {
  const value = record.get(field);
  if (value === undefined || value === null || value === '') throw new FieldError(field, 'missing');
  return value;
}

function optional(record: Record, field: string): string | null {
  const value = record.get(field);
  return value === undefined || value === null || value === '' ? null : value;
}

function time(record: Record): string {
  const raw = required(record, 'ts');
  return /^\d+(\.\d+)?$/.test(raw) ? epochSeconds('ts', raw) : isoString('ts', raw);
}

function count(record: Record, field: string): number {
  const raw = optional(record, field);
  return raw === null ? 0 : byteCount(field, raw);
}

const SOURCES: { [log in ZeekLog]: EgressEvent['source'] } = { http: 'zeek-http', dns: 'zeek-dns', ssl: 'zeek-ssl', conn: 'zeek-conn' };

const isTrue = (value: string | null) => value === 'T' || value === 'true';
const isFalse = (value: string | null) => value === 'F' || value === 'false';

/** What local_orig/local_resp say of a record: null when both ends are local (internal, no egress). */
function direction(record: Record): 'outbound' | 'inbound' | null {
  const localOrig = optional(record, 'local_orig');
  const localResp = optional(record, 'local_resp');
  if (isTrue(localResp)) return isFalse(localOrig) ? 'inbound' : null;
  return 'outbound';
}

function toEvent(log: ZeekLog, record: Record, setSeparator: string | null): LineOutcome {
  const at = time(record);
  const way = direction(record);
  if (way === null || (way === 'inbound' && log === 'dns')) return skip;
  const inbound = way === 'inbound';
  // The remote end is the event's host, the local end its client.
  const client = clientField(optional(record, inbound ? 'id.resp_h' : 'id.orig_h'));
  const responder = optional(record, 'id.resp_h');
  const responderPort = optional(record, 'id.resp_p');
  const event = (host: string) => {
    const e = emptyEvent(SOURCES[log], at, host);
    e.client = client;
    e.direction = way;
    return e;
  };
  switch (log) {
    case 'http': {
      if (inbound) {
        // A request from outside to a local server: the remote party is the requester.
        const e = event(hostField('id.orig_h', required(record, 'id.orig_h')));
        const method = optional(record, 'method');
        e.method = method === null ? null : methodField('method', method);
        e.port = responderPort === null ? null : portNumber('id.resp_p', responderPort);
        const uri = optional(record, 'uri');
        e.path = uri === null || method === 'CONNECT' ? null : cutPath(uri);
        const status = optional(record, 'status_code');
        e.status = status === null ? null : statusCode('status_code', status);
        e.bytesOut = count(record, 'response_body_len');
        e.bytesIn = count(record, 'request_body_len');
        return { kind: 'event', event: e };
      }
      const uri = optional(record, 'uri');
      const hostHeader = optional(record, 'host');
      let host: string;
      let port = responderPort === null ? null : portNumber('id.resp_p', responderPort);
      let path = uri === null ? null : cutPath(uri);
      if (uri && /^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
        // A request to a proxy carries the absolute URL.
        const parts = splitUrl('uri', uri);
        host = parts.host;
        port = parts.port ?? port;
        path = parts.path;
      } else if (hostHeader) {
        const parts = hostPort('host', hostHeader);
        host = parts.host;
        port = parts.port ?? port;
      } else {
        host = hostField('id.resp_h', required(record, 'id.resp_h'));
      }
      const e = event(host);
      const method = optional(record, 'method');
      e.method = method === null ? null : methodField('method', method);
      e.port = port;
      e.path = method === 'CONNECT' ? null : path;
      const status = optional(record, 'status_code');
      e.status = status === null ? null : statusCode('status_code', status);
      e.bytesOut = count(record, 'request_body_len');
      e.bytesIn = count(record, 'response_body_len');
      e.app = appFromUserAgent(optional(record, 'user_agent'));
      e.contentType = firstMediaType(optional(record, 'orig_mime_types'), setSeparator);
      return { kind: 'event', event: e };
    }
    case 'dns': {
      const query = optional(record, 'query');
      if (query === null) return skip;
      const host = normalizeHost(query);
      if (!host) throw new FieldError('query', `${quote(query)} is not a host name`);
      return { kind: 'event', event: event(host) };
    }
    case 'ssl': {
      const sni = optional(record, 'server_name');
      const e = event(inbound ? hostField('id.orig_h', required(record, 'id.orig_h')) : sni ? hostField('server_name', sni) : hostField('id.resp_h', required(record, 'id.resp_h')));
      e.port = responderPort === null ? null : portNumber('id.resp_p', responderPort);
      return { kind: 'event', event: e };
    }
    case 'conn': {
      const e = event(inbound ? hostField('id.orig_h', required(record, 'id.orig_h')) : hostField('id.resp_h', responder ?? required(record, 'id.resp_h')));
      // The responder's port either way: the service that was reached.
      e.port = responderPort === null ? null : portNumber('id.resp_p', responderPort);
      e.bytesOut = count(record, inbound ? 'resp_bytes' : 'orig_bytes');
      e.bytesIn = count(record, inbound ? 'orig_bytes' : 'resp_bytes');
      return { kind: 'event', event: e };
    }
  }
}

/** orig_mime_types is a set: the TSV's set separator, or a JSON array in JSON logs. */
function firstMediaType(raw: string | null, setSeparator: string | null): string | null {
  if (raw === null) return null;
  if (setSeparator === null) {
    try {
      const list: unknown = JSON.parse(raw);
      return Array.isArray(list) && typeof list[0] === 'string' ? mediaType(list[0]) : mediaType(raw);
    } catch {
      return mediaType(raw);
    }
  }
  return mediaType(raw.split(setSeparator)[0]);
}
