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
  isoString,
  mediaType,
  methodField,
  portNumber,
  problem,
  skip,
  splitUrl,
  statusCode,
  textField,
  type BodySample,
  type LineOutcome,
  type LineParser,
} from './common.js';

/** Largest decoded body a line may carry (the scanner reads at most its own cap of it). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Largest line: a body of MAX_BODY_BYTES in base64 and the other fields. */
export const MAX_JSONL_LINE_BYTES = Math.ceil(MAX_BODY_BYTES / 3) * 4 + 64 * 1024;

/**
 * Thirdwatch's JSON lines egress format (docs/egress-jsonl.md): one object a line with `at` and
 * either `url` or `host`, the rest optional. Unknown fields are ignored (other tools' extras); a
 * known field of the wrong kind rejects the line, naming it. `body` (base64) is handed on to be
 * scanned for personal data and is never stored.
 */
export function jsonlParser(): LineParser {
  return { parse: (line) => guarded(() => parseJsonLine(line)) };
}

function parseJsonLine(line: string): LineOutcome {
  const text = line.trim();
  if (!text) return skip;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return problem('line', `not JSON (${(error as Error).message}; truncated?)`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return problem('line', 'each line must be a JSON object');
  const record = parsed as { [key: string]: unknown };
  const str = (field: string): string | null => {
    const value = record[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw new FieldError(field, 'must be a string');
    return value;
  };
  const num = (field: string): number | string | null => {
    const value = record[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' && typeof value !== 'string') throw new FieldError(field, 'must be a number');
    return value;
  };

  const atRaw = record.at;
  if (atRaw === undefined || atRaw === null) throw new FieldError('at', 'missing (ISO 8601 date-time or Unix seconds)');
  if (typeof atRaw !== 'number' && typeof atRaw !== 'string') throw new FieldError('at', 'must be an ISO 8601 string or Unix seconds');
  const at = typeof atRaw === 'number' ? epochSeconds('at', atRaw) : isoString('at', atRaw);

  const url = str('url');
  const hostText = str('host');
  let host: string;
  let port: number | null = null;
  let path: string | null = null;
  if (url !== null) {
    const parts = splitUrl('url', url);
    host = parts.host;
    port = parts.port;
    path = parts.path;
  } else if (hostText !== null) {
    host = hostField('host', hostText);
  } else {
    throw new FieldError('url', 'missing: give url or host');
  }
  const portRaw = num('port');
  if (portRaw !== null) port = portNumber('port', portRaw);
  const pathRaw = str('path');
  if (pathRaw !== null) {
    if (!pathRaw.startsWith('/')) throw new FieldError('path', 'must start with /');
    path = cutPath(pathRaw);
  }

  const event = emptyEvent('jsonl', at, host);
  const direction = str('direction');
  if (direction !== null) {
    if (direction !== 'outbound' && direction !== 'inbound') throw new FieldError('direction', 'must be "outbound" or "inbound"');
    event.direction = direction;
  }
  event.port = port;
  event.path = path;
  event.client = clientField(str('client'));
  event.app = textField(str('app')) ?? appFromUserAgent(str('userAgent'));
  const method = str('method');
  event.method = method === null ? null : methodField('method', method);
  const status = num('status');
  event.status = status === null ? null : statusCode('status', status);
  const bytesOut = num('bytesOut');
  event.bytesOut = bytesOut === null ? 0 : byteCount('bytesOut', bytesOut);
  const bytesIn = num('bytesIn');
  event.bytesIn = bytesIn === null ? 0 : byteCount('bytesIn', bytesIn);
  const contentTypeRaw = str('contentType');
  event.contentType = mediaType(contentTypeRaw);
  if (contentTypeRaw !== null && event.contentType === null) throw new FieldError('contentType', 'is not a media type such as application/json');
  const contentEncoding = str('contentEncoding');

  const bodyText = str('body');
  let body: BodySample | undefined;
  if (bodyText !== null) {
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(bodyText) || bodyText.length % 4 === 1) throw new FieldError('body', 'is not base64');
    const data = Buffer.from(bodyText, 'base64');
    if (data.length > MAX_BODY_BYTES) throw new FieldError('body', `larger than ${MAX_BODY_BYTES} bytes`);
    body = { data, contentType: contentTypeRaw, contentEncoding };
    if (bytesOut === null) event.bytesOut = data.length;
  }
  return body ? { kind: 'event', event, body } : { kind: 'event', event };
}
