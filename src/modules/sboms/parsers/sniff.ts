// Detects an SBOM's format and encoding from its content alone (never from a file name).
import { DEFAULT_LIMITS, clip, isObject, lineOf } from './common.js';
import { invalidUtf8Offset } from '../../../platform/text.js';
import { SbomParseError, type SbomEncoding, type SbomFormat } from './model.js';
import { readXmlRoot } from './xml.js';

export interface SbomKind {
  format: SbomFormat;
  encoding: SbomEncoding;
}

/** What sniffing found, with the work already done (JSON parsed, XML spec version read) kept. */
export type SniffedSbom =
  | { format: 'cyclonedx'; encoding: 'json'; doc: unknown }
  | { format: 'spdx'; encoding: 'json' | 'json-ld'; doc: unknown }
  | { format: 'cyclonedx'; encoding: 'xml'; text: string; specVersion: string }
  | { format: 'spdx'; encoding: 'tag-value'; text: string };

const CYCLONEDX_NAMESPACE = /^https?:\/\/cyclonedx\.org\/schema\/bom\/(.+)$/;
const SPDX3_CONTEXT = /spdx\.org\/rdf\/3\./;
const TAG_VALUE_VERSION = /^[ \t]*SPDXVersion[ \t]*:/m;

export function sniffSbom(input: Buffer | string): SbomKind {
  const { format, encoding } = sniffText(decodeInput(input, DEFAULT_LIMITS.maxBytes));
  return { format, encoding };
}

export function decodeInput(input: Buffer | string, maxBytes: number): string {
  if (input.length > maxBytes) {
    const unit = typeof input === 'string' ? 'characters' : 'bytes';
    throw new SbomParseError(`document too large: ${input.length} ${unit} exceeds the limit of ${maxBytes} (maxBytes)`);
  }
  const text = typeof input === 'string' ? input : decodeBuffer(input);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Decodes strictly: bytes that are not valid text are an error, never U+FFFD. */
function decodeBuffer(buffer: Buffer): string {
  const utf16 = buffer[0] === 0xff && buffer[1] === 0xfe ? 'utf-16le' : buffer[0] === 0xfe && buffer[1] === 0xff ? 'utf-16be' : null;
  if (utf16) {
    try {
      return new TextDecoder(utf16, { fatal: true }).decode(buffer);
    } catch {
      throw new SbomParseError(`the document starts with a ${utf16.toUpperCase()} byte-order mark but is not valid ${utf16.toUpperCase()}`);
    }
  }
  const offset = invalidUtf8Offset(buffer);
  if (offset !== -1) throw new SbomParseError(`the document is not valid UTF-8: invalid byte sequence at byte offset ${offset}`);
  return buffer.toString('utf8');
}

export function sniffText(text: string): SniffedSbom {
  const start = text.search(/\S/);
  if (start === -1) throw new SbomParseError('unrecognised document: empty input');
  const first = text[start];
  if (first === '{' || first === '[') return sniffJson(parseJson(text));
  if (first === '<') return sniffXml(text, start);
  if (TAG_VALUE_VERSION.test(text)) return { format: 'spdx', encoding: 'tag-value', text };
  throw new SbomParseError(`unrecognised document: starts with "${clip(text.slice(start, start + 40), 40)}"`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = /at position (\d+)/.exec(message);
    const pointer = position ? `line ${lineOf(text, Number(position[1]))}` : undefined;
    const truncated = message.includes('end of JSON input') ? ' (truncated?)' : '';
    throw new SbomParseError(`invalid JSON${truncated}: ${message}${pointer ? ` (${pointer})` : ''}`, pointer);
  }
}

function sniffJson(doc: unknown): SniffedSbom {
  if (!isObject(doc)) throw new SbomParseError('unrecognised document: JSON value is not an object');
  if (doc.bomFormat === 'CycloneDX') return { format: 'cyclonedx', encoding: 'json', doc };
  if ('spdxVersion' in doc) return { format: 'spdx', encoding: 'json', doc };
  if (Array.isArray(doc['@graph']) && mentionsSpdx3(doc['@context'])) return { format: 'spdx', encoding: 'json-ld', doc };
  throw new SbomParseError(
    'unrecognised document: JSON object has no bomFormat "CycloneDX", no spdxVersion and no SPDX 3 @context/@graph',
  );
}

function mentionsSpdx3(context: unknown): boolean {
  if (typeof context === 'string') return SPDX3_CONTEXT.test(context);
  return Array.isArray(context) && context.some((entry) => typeof entry === 'string' && SPDX3_CONTEXT.test(entry));
}

function sniffXml(text: string, start: number): SniffedSbom {
  const root = readXmlRoot(text, start);
  const version = root.name === 'bom' && root.namespace ? CYCLONEDX_NAMESPACE.exec(root.namespace)?.[1] : undefined;
  if (version === undefined) {
    throw new SbomParseError(
      `unrecognised document: XML root <${root.name}> in namespace ${root.namespace ?? '(none)'} is not a CycloneDX bom`,
    );
  }
  return { format: 'cyclonedx', encoding: 'xml', text, specVersion: version };
}
