// Minimal XML pre-scanning done before any XML parser sees the text: find the root element, refuse
// DTDs (so entities can never be declared, let alone expanded), and check that tags balance within a
// depth limit so truncated or absurdly deep documents fail fast with a line number.
import { lineOf } from './common.js';
import { SbomParseError } from './model.js';

const LT = 60; // <
const GT = 62; // >
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const DQUOTE = 34;
const SQUOTE = 39;

const NAME = /[^\s/>]+/y;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export interface XmlRoot {
  /** Local name, without prefix. */
  name: string;
  namespace: string | null;
}

function errorAt(text: string, index: number, message: string): SbomParseError {
  const line = `line ${lineOf(text, index)}`;
  return new SbomParseError(`${message} (${line})`, line);
}

function skipPast(text: string, terminator: string, from: number, what: string): number {
  const end = text.indexOf(terminator, from);
  if (end === -1) throw errorAt(text, from, `truncated XML: unterminated ${what}`);
  return end + terminator.length;
}

function declarationError(text: string, index: number): SbomParseError {
  const keyword = /^<!\s*([A-Za-z]*)/.exec(text.slice(index, index + 20))?.[1]?.toUpperCase() || 'markup';
  const why = keyword === 'DOCTYPE' || keyword === 'ENTITY'
    ? 'XML DTDs and entity declarations are refused (entities are never expanded)'
    : 'unexpected XML markup declaration';
  return errorAt(text, index, `${why}: <!${keyword}`);
}

/** Index of the '>' closing the tag opened at `start`, honouring quoted attribute values. */
function tagEnd(text: string, start: number): number {
  let quote = 0;
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === DQUOTE || c === SQUOTE) {
      quote = c;
    } else if (c === GT) {
      return i;
    } else if (c === LT) {
      throw errorAt(text, i, 'malformed XML: "<" inside a tag');
    }
  }
  throw errorAt(text, start, 'truncated XML: unterminated tag');
}

function tagName(text: string, start: number): string {
  NAME.lastIndex = start;
  const name = NAME.exec(text)?.[0];
  if (!name) throw errorAt(text, start, 'malformed XML: tag without a name');
  return name;
}

/** The document element, skipping the XML declaration, comments and processing instructions. */
export function readXmlRoot(text: string, start: number): XmlRoot {
  for (let i = text.indexOf('<', start); i !== -1; i = text.indexOf('<', i)) {
    const next = text.charCodeAt(i + 1);
    if (text.startsWith('<!--', i)) i = skipPast(text, '-->', i + 4, 'comment');
    else if (next === QUESTION) i = skipPast(text, '?>', i + 2, 'processing instruction');
    else if (next === BANG) throw declarationError(text, i);
    else return rootFromTag(text, i);
  }
  throw new SbomParseError('unrecognised document: XML without a root element');
}

/** Real root tags are well under 1 KiB; the bound keeps the attribute regex's worst case small. */
const MAX_ROOT_TAG_LENGTH = 4096;

function rootFromTag(text: string, start: number): XmlRoot {
  const qualified = tagName(text, start + 1);
  const end = tagEnd(text, start);
  if (end - start > MAX_ROOT_TAG_LENGTH) {
    throw errorAt(text, start, `XML root element tag longer than ${MAX_ROOT_TAG_LENGTH} characters`);
  }
  const tag = text.slice(start, end);
  const colon = qualified.indexOf(':');
  const prefix = colon === -1 ? null : qualified.slice(0, colon);
  const xmlnsName = prefix ? `xmlns:${prefix}` : 'xmlns';
  let namespace: string | null = null;
  for (const match of tag.matchAll(ATTRIBUTE)) {
    if (match[1] === xmlnsName) namespace = match[2] ?? match[3];
  }
  return { name: qualified.slice(colon + 1), namespace };
}

/**
 * Walks every tag once (no tree is built): rejects DTDs anywhere, unbalanced or truncated markup,
 * and elements nested deeper than maxDepth.
 */
export function checkXmlStructure(text: string, maxDepth: number): void {
  const open: string[] = [];
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i)) {
    const next = text.charCodeAt(i + 1);
    if (text.startsWith('<!--', i)) i = skipPast(text, '-->', i + 4, 'comment');
    else if (text.startsWith('<![CDATA[', i)) i = skipPast(text, ']]>', i + 9, 'CDATA section');
    else if (next === QUESTION) i = skipPast(text, '?>', i + 2, 'processing instruction');
    else if (next === BANG) throw declarationError(text, i);
    else if (next === SLASH) i = closeTag(text, i, open);
    else i = openTag(text, i, open, maxDepth);
  }
  if (open.length) throw errorAt(text, text.length, `truncated XML: <${open[open.length - 1]}> is never closed`);
}

function closeTag(text: string, start: number, open: string[]): number {
  const end = tagEnd(text, start);
  const name = text.slice(start + 2, end).trim();
  const expected = open.pop();
  if (name !== expected) {
    throw errorAt(text, start, `malformed XML: </${name}> does not close ${expected ? `<${expected}>` : 'any element'}`);
  }
  return end + 1;
}

/**
 * CycloneDX elements carry a handful of attributes; fast-xml-parser spends ~10 µs on each, so a tag
 * stuffed with thousands of them is refused rather than parsed slowly.
 */
const MAX_TAG_TOKENS = 64;

/** Whitespace-separated tokens of a tag outside quoted values: name, attributes, stray words. */
function tagTokens(text: string, start: number, end: number): number {
  let tokens = 0;
  let quote = 0;
  let inToken = false;
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
      continue;
    }
    if (c === DQUOTE || c === SQUOTE) quote = c;
    const space = c === 32 || c === 9 || c === 10 || c === 13;
    if (!space && !inToken) tokens++;
    inToken = !space;
  }
  return tokens;
}

function openTag(text: string, start: number, open: string[], maxDepth: number): number {
  const end = tagEnd(text, start);
  if (tagTokens(text, start, end) > MAX_TAG_TOKENS) {
    throw errorAt(text, start, `XML element with more than ${MAX_TAG_TOKENS - 1} attributes`);
  }
  if (text.charCodeAt(end - 1) !== SLASH) {
    open.push(tagName(text, start + 1));
    if (open.length > maxDepth) throw errorAt(text, start, `XML elements nested deeper than ${maxDepth} levels`);
  }
  return end + 1;
}

const ENTITY = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Entity processing is off in the XML parser, so the five predefined entities and character
 * references are decoded here; nothing else can expand (DTDs were refused).
 */
export function decodeXmlText(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(ENTITY, (whole, body: string) => {
    if (body[0] !== '#') return PREDEFINED[body];
    const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
