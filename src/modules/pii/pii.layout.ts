/**
 * Where the values in a text to scan are. The detectors run once over the whole text (a JSON body
 * as it came, not value by value: per-value work was most of the cost of scanning); the layout
 * tells them, only when a candidate needs it, which value a position belongs to, that value's
 * bounds (context words are looked for inside it), its offset in the body and its field name.
 */
import { fieldWords } from './pii.context.js';

/** Rows of small integers in one growing Int32Array: a body has tens of thousands of values. */
class Rows {
  data: Int32Array;
  size = 0;

  constructor(readonly width: number) {
    this.data = new Int32Array(width * 64);
  }

  /** The offset of a new row's first cell. */
  add(): number {
    const at = this.size * this.width;
    if (at + this.width > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.size++;
    return at;
  }
}

// JsonNames node cells
const PARENT = 0;
const KEY_START = 1;
const KEY_END = 2;
const INDEX = 3;
const ARRAY = 4;

/**
 * The names of JSON values, built only when asked (most values never hold a detection): each
 * node's parent and its key or index there. A root carries the prefix its document's names start
 * with (the line number of an NDJSON line, the field of a multipart part).
 */
export class JsonNames {
  private readonly nodes = new Rows(5);
  private readonly prefixes = new Map<number, string>();
  private readonly paths = new Map<number, string>();
  /** Keys written with escapes, decoded, by the offset of their first character. */
  readonly escapedKeys = new Map<number, string>();

  constructor(private readonly text: string) {}

  /** A document's root: its value's name is the prefix. */
  root(prefix: string): number {
    const root = this.node(-1, -1, -1, 0, false);
    this.prefixes.set(root, prefix);
    return root;
  }

  /** A node (container or value) inside `parent`: named by the key at [keyStart, keyEnd) of an object, or by `index` in an array. */
  node(parent: number, keyStart: number, keyEnd: number, index: number, array: boolean): number {
    const at = this.nodes.add();
    const d = this.nodes.data;
    d[at + PARENT] = parent;
    d[at + KEY_START] = keyStart;
    d[at + KEY_END] = keyEnd;
    d[at + INDEX] = index;
    d[at + ARRAY] = array ? 1 : 0;
    return this.nodes.size - 1;
  }

  isArray(node: number): boolean {
    return this.nodes.data[node * 5 + ARRAY] === 1;
  }

  private cell(node: number, cell: number): number {
    return this.nodes.data[node * 5 + cell]!;
  }

  /** The path of a node. */
  path(node: number): string {
    const known = this.paths.get(node);
    if (known !== undefined) return known;
    const parent = this.cell(node, PARENT);
    const path = parent === -1 ? this.prefixes.get(node)! : this.childPath(parent, this.cell(node, KEY_START), this.cell(node, KEY_END), this.cell(node, INDEX));
    this.paths.set(node, path);
    return path;
  }

  /** "customer.cards[0].number", as a JSON walk names it: the child of `parent` at a key or an index. */
  childPath(parent: number, keyStart: number, keyEnd: number, index: number): string {
    if (this.cell(parent, PARENT) === -1) return this.prefixes.get(parent)!;
    if (this.isArray(parent)) return `${this.path(parent)}[${index}]`;
    const key = this.escapedKeys.get(keyStart) ?? this.text.slice(keyStart, keyEnd);
    const up = this.path(parent);
    return up ? `${up}.${key}` : key;
  }
}

// Layout value cells
const START = 0;
const END = 1;
const BASE = 2;
/** 1: the whole-text pass leaves the value alone (a JSON string with escapes is scanned decoded, on its own). */
const SKIPPED = 3;
/** The JsonNames node the value is in, or -1: the name is in `names`. */
const IN = 4;
/** The value's key in that node (or its index there, when the node is an array). */
const KEY = 5;
const KEY_TO = 6;
const AT = 7;
const W = 8;

export class Layout {
  private readonly values = new Rows(W);
  private readonly names = new Map<number, string | null>();
  private readonly words = new Map<number, string[]>();
  private lastFound = 0;
  /** Values written with escapes, decoded: scanned on their own. */
  readonly decoded: { k: number; text: string }[] = [];
  /** The names of the JSON values in this layout (one table for every document in the text). */
  json: JsonNames | null = null;
  /** A field name was decoded from escapes or a form: the raw text does not show every name. */
  namesHidden = false;
  /** Fills a deferred layout (see deferred()) at its first question; null once filled. */
  private fill: (() => void) | null = null;
  /** A deferred layout was filled and its reader found the text malformed: why (it is then one value). */
  readError: string | null = null;

  /**
   * A layout read only when a detector first asks about a position: most bodies have no candidate
   * that needs one, and reading a JSON body's structure is a third of scanning it. `read` fills
   * the layout and returns null, or returns why the text is malformed (the layout is then one
   * value, as a text body's). Only for texts without escapes ("\\"): nothing of theirs is decoded
   * and no name hidden, so `decoded` and `namesHidden` are known before reading.
   */
  static deferred(length: number, read: (layout: Layout) => string | null): Layout {
    const layout = new Layout();
    layout.fill = () => {
      const error = read(layout);
      if (error === null) return;
      layout.readError = error;
      layout.add(0, length, 0, null);
    };
    return layout;
  }

  /** Whether the layout has been read (always, unless deferred and never asked). */
  get filled(): boolean {
    return this.fill === null;
  }

  private ready(): void {
    const fill = this.fill;
    if (fill === null) return;
    this.fill = null;
    fill();
  }

  get size(): number {
    this.ready();
    return this.values.size;
  }

  /** Adds a value at [start, end) of the scanned text; `base` is its offset in the body. Values are added in order. */
  add(start: number, end: number, base: number, field: string | null): void {
    this.addJson(start, end, base, -1, -1, -1, 0, false);
    this.names.set(this.values.size - 1, field);
  }

  /** Adds a JSON value: the child of node `parent` of `json` at the key [keyStart, keyEnd), or at `index` of an array. */
  addJson(start: number, end: number, base: number, parent: number, keyStart: number, keyEnd: number, index: number, skipped: boolean): void {
    const at = this.values.add();
    const d = this.values.data;
    d[at + START] = start;
    d[at + END] = end;
    d[at + BASE] = base;
    d[at + SKIPPED] = skipped ? 1 : 0;
    d[at + IN] = parent;
    d[at + KEY] = keyStart;
    d[at + KEY_TO] = keyEnd;
    d[at + AT] = index;
  }

  /** Drops the values added after the first `size` (a document that turned out malformed). */
  truncate(size: number): void {
    this.values.size = size;
    for (const map of [this.names, this.words]) for (const k of map.keys()) if (k >= size) map.delete(k);
    while (this.decoded.length && this.decoded[this.decoded.length - 1]!.k >= size) this.decoded.pop();
    this.lastFound = 0;
  }

  /** The value holding position `pos`, or -1 (JSON punctuation and keys belong to none). */
  at(pos: number): number {
    this.ready();
    const d = this.values.data;
    // Detectors ask in increasing order most of the time: try the last answer first.
    const last = this.lastFound;
    if (last < this.values.size && d[last * W + START]! <= pos && pos < d[last * W + END]!) return last;
    let lo = 0;
    let hi = this.values.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (d[mid * W + START]! > pos) hi = mid - 1;
      else if (d[mid * W + END]! <= pos) lo = mid + 1;
      else {
        this.lastFound = mid;
        return mid;
      }
    }
    return -1;
  }

  start(k: number): number {
    this.ready();
    return this.values.data[k * W + START]!;
  }

  end(k: number): number {
    this.ready();
    return this.values.data[k * W + END]!;
  }

  isSkipped(k: number): boolean {
    this.ready();
    return this.values.data[k * W + SKIPPED] === 1;
  }

  /** Offset in the body of scanned-text position `pos` inside value k (-1: outside any value, the same offset). */
  bodyOffset(k: number, pos: number): number {
    this.ready();
    return k === -1 ? pos : this.values.data[k * W + BASE]! + (pos - this.start(k));
  }

  field(k: number): string | null {
    this.ready();
    if (k === -1) return null;
    const d = this.values.data;
    const at = k * W;
    const parent = d[at + IN]!;
    return parent === -1 ? (this.names.get(k) ?? null) : this.json!.childPath(parent, d[at + KEY]!, d[at + KEY_TO]!, d[at + AT]!) || null;
  }

  /** The field's last two names as lower-case words (what the value was called). */
  fieldWords(k: number): string[] {
    this.ready();
    if (k === -1) return [];
    let w = this.words.get(k);
    if (w === undefined) {
      w = fieldWords(this.field(k));
      this.words.set(k, w);
    }
    return w;
  }

  /** A layout of one value covering the whole text. */
  static whole(length: number, base: number, field: string | null): Layout {
    const layout = new Layout();
    layout.add(0, length, base, field);
    layout.namesHidden = field !== null;
    return layout;
  }
}
