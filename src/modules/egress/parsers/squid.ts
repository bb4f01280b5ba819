import {
  appFromUserAgent,
  byteCount,
  clientField,
  emptyEvent,
  epochSeconds,
  FieldError,
  guarded,
  isoTime,
  methodField,
  problem,
  quote,
  skip,
  splitUrl,
  statusCode,
  type LineOutcome,
  type LineParser,
} from './common.js';

/**
 * Squid access.log lines, each recognised on its own (a file may mix formats after a config change):
 *
 * - native (`logformat squid`): `time elapsed client code/status bytes method URL user hier/peer type`,
 *   optionally followed by the request size (`%>st`, which Squid's default formats leave out: see
 *   docs/egress-jsonl.md) and quoted headers such as the User-Agent;
 * - common / combined (`logformat common|combined`): `client ident user [dd/Mon/yyyy:HH:MM:SS +zzzz]
 *   "METHOD URL HTTP/x.y" status bytes` then optionally the request size, `"referer" "user-agent"`
 *   and `Ss:Sh`.
 *
 * The reply size is the event's bytesIn, the request size (when logged) its bytesOut; the logged
 * media type is the reply's, so contentType (the request's) stays null. Squid's
 * own error pseudo-URLs (`error:transaction-end-before-headers`) are no egress and are skipped.
 * Every event is outbound: a forward proxy's clients are the organisation's, its requests leave it.
 */
export function squidParser(): LineParser {
  return { parse: (line) => guarded(() => parseSquidLine(line)) };
}

export function parseSquidLine(line: string): LineOutcome {
  const text = line.trim();
  if (!text || text.startsWith('#')) return skip;
  const tokens = tokenize(text);
  if (/^\d+(\.\d+)?$/.test(tokens[0].text)) return native(tokens);
  if (tokens.length > 3 && tokens[3].delimiter === '[') return common(tokens);
  return problem('line', `neither Squid native (starts with a Unix time) nor common log format (a [date] fourth field): ${quote(text)}`);
}

interface Token {
  text: string;
  delimiter: '"' | '[' | null;
}

/** Space-separated fields; "quoted" and [bracketed] fields are one token each (unterminated: to the end). */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    const open = text[i];
    if (open === '"' || open === '[') {
      const close = open === '"' ? '"' : ']';
      let end = text.indexOf(close, i + 1);
      // A quote inside a quoted value ends the token only when a separator or the end follows.
      while (open === '"' && end >= 0 && end + 1 < text.length && text[end + 1] !== ' ' && text[end + 1] !== '\t') end = text.indexOf(close, end + 1);
      if (end < 0) end = text.length;
      tokens.push({ text: text.slice(i + 1, end), delimiter: open });
      i = end + 1;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ' ' && text[end] !== '\t') end++;
      tokens.push({ text: text.slice(i, end), delimiter: null });
      i = end;
    }
  }
  return tokens;
}

const NATIVE_FIELDS = ['time', 'elapsed', 'client', 'code/status', 'bytes', 'method', 'url', 'user', 'hierarchy', 'type'];

function native(tokens: Token[]): LineOutcome {
  if (tokens.length < NATIVE_FIELDS.length) {
    return problem(NATIVE_FIELDS[tokens.length], `missing: a native line has ${NATIVE_FIELDS.length} fields, this one ${tokens.length} (truncated?)`);
  }
  const [time, , client, codeStatus, bytes, method, url] = tokens.map((t) => t.text);
  const at = epochSeconds('time', time);
  const slash = codeStatus.lastIndexOf('/');
  if (slash < 0) throw new FieldError('code/status', `${quote(codeStatus)} is not CODE/STATUS such as TCP_MISS/200`);
  const status = statusCode('code/status', codeStatus.slice(slash + 1));
  if (url.startsWith('error:') || url === '-') return skip;
  const parts = splitUrl('url', url);
  const event = emptyEvent('squid', at, parts.host);
  event.client = clientField(client);
  event.method = methodField('method', method);
  event.port = parts.port;
  event.path = parts.path;
  event.status = status;
  event.bytesIn = byteCount('bytes', bytes);
  trailing(event, tokens.slice(NATIVE_FIELDS.length), 'request bytes');
  return { kind: 'event', event };
}

/** After the fixed fields: the request size (%>st) as the first bare number, and a quoted User-Agent. */
function trailing(event: ReturnType<typeof emptyEvent>, extra: Token[], field: string): void {
  let sizeSeen = false;
  const quoted: string[] = [];
  for (const token of extra) {
    if (!sizeSeen && token.delimiter === null && /^\d+$/.test(token.text)) {
      event.bytesOut = byteCount(field, token.text);
      sizeSeen = true;
    } else if (token.delimiter === '"') {
      quoted.push(token.text);
    }
  }
  // combined: "referer" "user-agent"; a single quoted field is the User-Agent of a custom format.
  const userAgent = quoted.length >= 2 ? quoted[1] : quoted[0];
  event.app = appFromUserAgent(userAgent);
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** `07/Dec/2026:01:02:03 +0000` (Squid's %tl). */
function commonTime(raw: string): string {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.\d+)? ([+-])(\d{2})(\d{2})$/.exec(raw);
  const month = m ? MONTHS[m[2]] : undefined;
  if (!m || month === undefined) throw new FieldError('time', `${quote(raw)} is not a [dd/Mon/yyyy:HH:MM:SS +zzzz] time`);
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  return isoTime('time', Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset, raw);
}

function common(tokens: Token[]): LineOutcome {
  const fields = ['client', 'ident', 'user', 'time', 'request', 'status', 'bytes'];
  if (tokens.length < fields.length) return problem(fields[tokens.length], `missing: a common-format line has at least ${fields.length} fields, this one ${tokens.length} (truncated?)`);
  const at = commonTime(tokens[3].text);
  if (tokens[4].delimiter !== '"') throw new FieldError('request', `expected "METHOD URL HTTP/x.y", got ${quote(tokens[4].text)}`);
  const request = tokens[4].text.split(' ');
  if (request.length < 2 || !request[1]) throw new FieldError('request', `expected "METHOD URL HTTP/x.y", got ${quote(tokens[4].text)}`);
  const status = statusCode('status', tokens[5].text);
  if (request[1].startsWith('error:')) return skip;
  const parts = splitUrl('request', request[1]);
  const event = emptyEvent('squid', at, parts.host);
  event.client = clientField(tokens[0].text);
  event.method = methodField('request', request[0]);
  event.port = parts.port;
  event.path = parts.path;
  event.status = status;
  event.bytesIn = tokens[6].text === '-' ? 0 : byteCount('bytes', tokens[6].text);
  trailing(event, tokens.slice(7), 'request bytes');
  return { kind: 'event', event };
}
