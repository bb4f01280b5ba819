import YAML, { LineCounter } from 'yaml';

/**
 * The one way untrusted YAML is read (OSV records, playbooks, drill scenarios). Guards for the
 * yaml package found by fuzzing: a few thousand nested flow brackets ("[[[…", "{{{…") overflow its
 * stack, abort the process in V8's regexp compiler or take over a second; "[][][]…" and dense maps
 * are slow too (about 150 KB/s), and its uniqueKeys check compares every key with every earlier one
 * (a 190 KB map of 20,000 keys took 22 s). So size, flow nesting and flow collections are bounded
 * before the parser runs, and duplicate keys are found here with one Set per map.
 */
export interface YamlLimits {
  maxChars: number;
  /** Anchors/aliases expanded at most this often: aliases are how "billion laughs" grows. */
  maxAliases: number;
  maxFlowDepth?: number;
  maxFlowCollections?: number;
}

export interface YamlProblem {
  reason: string;
  /** Character offset of the problem when the parser knows it. */
  offset: number | null;
}

export type YamlRead =
  | { ok: true; value: unknown; document: YAML.Document.Parsed; lines: LineCounter }
  | { ok: false; problems: YamlProblem[]; lines: LineCounter };

const DEFAULT_FLOW_DEPTH = 64;
const DEFAULT_FLOW_COLLECTIONS = 1000;
const MAX_PROBLEMS = 20;

export function readYaml(text: string, limits: YamlLimits): YamlRead {
  const lines = new LineCounter();
  const refuse = (reason: string, offset: number | null = null): YamlRead => ({ ok: false, problems: [{ reason, offset }], lines });
  if (text.length > limits.maxChars) return refuse(`is longer than ${limits.maxChars} characters (this one has ${text.length})`);
  const { depth, collections } = flowCollections(text);
  const maxDepth = limits.maxFlowDepth ?? DEFAULT_FLOW_DEPTH;
  const maxCollections = limits.maxFlowCollections ?? DEFAULT_FLOW_COLLECTIONS;
  if (depth > maxDepth) return refuse(`has brackets nested ${depth} deep (at most ${maxDepth})`);
  if (collections > maxCollections) return refuse(`has ${collections} bracketed collections (at most ${maxCollections})`);

  const document = YAML.parseDocument(text, {
    lineCounter: lines,
    schema: 'core',
    customTags: [],
    resolveKnownTags: false,
    merge: false,
    uniqueKeys: false,
    prettyErrors: false,
  });
  const reported = [...document.errors, ...document.warnings];
  if (reported.length) {
    return { ok: false, problems: reported.slice(0, MAX_PROBLEMS).map((e) => ({ reason: e.message.split('\n')[0] ?? e.message, offset: e.pos[0] })), lines };
  }
  const keyProblem = badKey(document);
  if (keyProblem) return { ok: false, problems: [keyProblem], lines };
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: limits.maxAliases }), document, lines };
  } catch (error) {
    return refuse((error as Error).message);
  }
}

/** "line 3, column 7" for an offset of a read, or '' when the offset is unknown. */
export function position(lines: LineCounter, offset: number | null): string {
  if (offset === null) return '';
  const at = lines.linePos(offset);
  return `line ${at.line}, column ${at.col}`;
}

/**
 * How many [ and { a text opens and how deep they nest. Quotes are not tracked: this bounds the
 * parser's work, it does not parse.
 */
function flowCollections(text: string): { depth: number; collections: number } {
  let depth = 0;
  let deepest = 0;
  let collections = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      collections++;
      deepest = Math.max(deepest, ++depth);
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return { depth: deepest, collections };
}

/** A key that repeats in its map, or that is a map or list itself (it has no JSON form). */
function badKey(document: YAML.Document): YamlProblem | null {
  let found: YamlProblem | null = null;
  YAML.visit(document, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const offset = YAML.isNode(pair.key) && pair.key.range ? pair.key.range[0] : null;
        if (pair.key !== null && !YAML.isScalar(pair.key)) {
          found = { reason: 'a key must be plain text, not a mapping or a list', offset };
          return YAML.visit.BREAK;
        }
        const key = String(pair.key?.value ?? null);
        if (seen.has(key)) {
          found = { reason: `map keys must be unique (${JSON.stringify(key.slice(0, 80))} repeats)`, offset };
          return YAML.visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}
