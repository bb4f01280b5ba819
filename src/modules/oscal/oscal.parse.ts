import { invalidField, validationError } from '../../platform/errors.js';
import { decodeUtf8, findUnstorable } from '../../platform/text.js';

/**
 * Reads OSCAL 1.x catalogs and profiles (JSON). Only what Thirdwatch keeps is read; everything else
 * may be there and is ignored. What is read is checked for type and shape, and the first problem is
 * a 400 naming its JSON pointer, before anything is stored.
 */

export interface OscalProp {
  name: string;
  value: string;
  ns?: string;
  class?: string;
}

export interface ParsedControl {
  oscalId: string;
  label: string;
  title: string;
  family: string;
  familyTitle: string;
  parentOscalId: string | null;
  parentLabel: string | null;
  sortKey: string;
  withdrawn: boolean;
  statement: string;
  props: OscalProp[];
}

export interface ParsedCatalog {
  uuid: string;
  title: string;
  version: string;
  oscalVersion: string;
  controls: ParsedControl[];
}

export interface Selector {
  withIds: string[];
  withChildControls: boolean;
  /** Glob patterns (* and ?) over control ids. */
  matching: string[];
}

export interface ParsedImport {
  href: string;
  /** JSON pointer of the import, for problems found while resolving it. */
  pointer: string;
  /** What the href names: uuids, file names and titles to find an imported catalog by. */
  names: { uuids: string[]; files: string[]; titles: string[] };
  includeAll: boolean;
  include: Selector[];
  exclude: Selector[];
}

export interface ParsedProfile {
  uuid: string;
  title: string;
  version: string;
  oscalVersion: string;
  imports: ParsedImport[];
  /** Props the profile adds to controls (modify/alters/adds/props), by control id. */
  adds: Map<string, OscalProp[]>;
}

export type OscalDocument = { kind: 'catalog'; catalog: ParsedCatalog } | { kind: 'profile'; profile: ParsedProfile };

/** Groups, controls and parts nest; no real catalog goes beyond a handful of levels. */
export const MAX_NESTING = 24;
/** SP 800-53 rev5 has 1,189 controls and enhancements. */
export const MAX_CONTROLS = 50_000;

type Obj = Record<string, unknown>;

const TOKEN = /^[\p{L}_][\p{L}\p{N}.\-_]*$/u;
const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, at: string): Obj {
  if (!isObj(value)) throw invalidField(at, 'must be an object');
  return value;
}

function array(value: unknown, at: string, minItems = 0): unknown[] {
  if (!Array.isArray(value)) throw invalidField(at, 'must be an array');
  if (value.length < minItems) throw invalidField(at, `must have at least ${minItems} item${minItems === 1 ? '' : 's'}`);
  return value;
}

function optArray(value: unknown, at: string): unknown[] {
  return value === undefined ? [] : array(value, at);
}

function string(value: unknown, at: string): string {
  if (typeof value !== 'string') throw invalidField(at, 'must be a string');
  return value;
}

function nonEmpty(value: unknown, at: string): string {
  const s = string(value, at);
  if (!s.trim()) throw invalidField(at, 'must not be empty');
  return s;
}

function token(value: unknown, at: string): string {
  const s = string(value, at);
  if (!TOKEN.test(s)) throw invalidField(at, `"${s.slice(0, 80)}" is not an OSCAL token (a letter or _, then letters, digits, '.', '-' or '_')`);
  return s;
}

function uuid(value: unknown, at: string): string {
  const s = string(value, at);
  if (!UUID.test(s)) throw invalidField(at, 'must be a UUID');
  return s.toLowerCase();
}

/** Parses an uploaded document: UTF-8 JSON holding a `catalog` or a `profile`. */
export function parseOscal(input: string | Uint8Array): OscalDocument {
  const text = typeof input === 'string' ? input : decodeUtf8(input, 'the document');
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw validationError(`the document is not valid JSON: ${(error as Error).message}`, [{ field: '/', reason: 'is not valid JSON' }]);
  }
  const unstorable = findUnstorable(value);
  if (unstorable) throw invalidField(unstorable.field || '/', unstorable.reason);
  if (!isObj(value)) throw invalidField('/', 'must be an OSCAL catalog or profile (a JSON object with a "catalog" or "profile" member)');
  const root = value;
  if (root.catalog !== undefined) return { kind: 'catalog', catalog: parseCatalog(root.catalog) };
  if (root.profile !== undefined) return { kind: 'profile', profile: parseProfile(root.profile) };
  const kinds = ['component-definition', 'system-security-plan', 'assessment-plan', 'assessment-results', 'plan-of-action-and-milestones', 'mapping-collection'];
  const other = kinds.find((k) => root[k] !== undefined);
  throw invalidField('/', other ? `is an OSCAL ${other}; only catalogs and profiles can be imported` : 'must be an OSCAL catalog or profile (a JSON object with a "catalog" or "profile" member)');
}

function parseMetadata(value: unknown, at: string): { title: string; version: string; oscalVersion: string } {
  const metadata = object(value, at);
  const oscalVersion = nonEmpty(metadata['oscal-version'], `${at}/oscal-version`);
  if (!/^1\.\d+(\.\d+)?/.test(oscalVersion)) throw invalidField(`${at}/oscal-version`, `OSCAL ${oscalVersion.slice(0, 40)} is not supported (1.x is)`);
  return { title: nonEmpty(metadata.title, `${at}/title`), version: nonEmpty(metadata.version, `${at}/version`), oscalVersion };
}

function parseProps(value: unknown, at: string): OscalProp[] {
  return optArray(value, at).map((item, i) => {
    const p = object(item, `${at}/${i}`);
    const prop: OscalProp = { name: token(p.name, `${at}/${i}/name`), value: string(p.value, `${at}/${i}/value`) };
    if (p.ns !== undefined) prop.ns = string(p.ns, `${at}/${i}/ns`);
    if (p.class !== undefined) prop.class = string(p.class, `${at}/${i}/class`);
    return prop;
  });
}

/** The label a control shows: its `label` prop (the plain one, not a zero-padded variant). */
function labelOf(props: OscalProp[], id: string): string {
  const labels = props.filter((p) => p.name === 'label' && p.ns === undefined);
  return (labels.find((p) => p.class === undefined) ?? labels[0])?.value ?? id.toUpperCase();
}

function parseCatalog(value: unknown): ParsedCatalog {
  const catalog = object(value, '/catalog');
  const meta = parseMetadata(catalog.metadata, '/catalog/metadata');
  const controls: ParsedControl[] = [];
  const seen = new Set<string>();
  interface Family {
    family: string;
    familyTitle: string;
  }

  const walkControls = (list: unknown, at: string, family: Family | null, parent: ParsedControl | null, depth: number): void => {
    if (depth > MAX_NESTING) throw invalidField(at, `nests deeper than ${MAX_NESTING} levels`);
    optArray(list, at).forEach((item, i) => {
      const here = `${at}/${i}`;
      const c = object(item, here);
      const oscalId = token(c.id, `${here}/id`);
      if (seen.has(oscalId)) throw invalidField(`${here}/id`, `control id ${oscalId} appears twice`);
      seen.add(oscalId);
      if (controls.length >= MAX_CONTROLS) throw invalidField(here, `a catalog may hold at most ${MAX_CONTROLS} controls`);
      const props = parseProps(c.props, `${here}/props`);
      const label = labelOf(props, oscalId);
      const fam = family ?? { family: label.split('-')[0], familyTitle: label.split('-')[0] };
      const params = parseParams(c.params, `${here}/params`);
      const control: ParsedControl = {
        oscalId,
        label,
        title: nonEmpty(c.title, `${here}/title`),
        ...fam,
        parentOscalId: parent?.oscalId ?? null,
        parentLabel: parent?.label ?? null,
        sortKey: props.find((p) => p.name === 'sort-id')?.value ?? oscalId,
        withdrawn: props.some((p) => p.name === 'status' && p.value === 'withdrawn'),
        statement: statementOf(c.parts, `${here}/parts`, params, depth),
        props,
      };
      controls.push(control);
      walkControls(c.controls, `${here}/controls`, fam, control, depth + 1);
    });
  };

  const walkGroups = (list: unknown, at: string, family: Family | null, depth: number): void => {
    if (depth > MAX_NESTING) throw invalidField(at, `nests deeper than ${MAX_NESTING} levels`);
    optArray(list, at).forEach((item, i) => {
      const here = `${at}/${i}`;
      const g = object(item, here);
      const title = nonEmpty(g.title, `${here}/title`);
      const props = parseProps(g.props, `${here}/props`);
      const id = g.id === undefined ? null : token(g.id, `${here}/id`);
      // The outermost group is the family: its label prop, else its id ('sr' → 'SR').
      const fam = family ?? { family: props.find((p) => p.name === 'label')?.value ?? (id ?? title).toUpperCase(), familyTitle: title };
      walkGroups(g.groups, `${here}/groups`, fam, depth + 1);
      walkControls(g.controls, `${here}/controls`, fam, null, depth + 1);
    });
  };

  walkGroups(catalog.groups, '/catalog/groups', null, 0);
  walkControls(catalog.controls, '/catalog/controls', null, null, 0);
  if (!controls.length) throw invalidField('/catalog', 'holds no controls');
  return { uuid: uuid(catalog.uuid, '/catalog/uuid'), ...meta, controls };
}

const INSERT = /\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}/g;

/** Parameter text as the published SP 800-53 shows it: [Assignment: ...] or [Selection (one or more): a; b]. */
function parseParams(value: unknown, at: string): Map<string, string> {
  const raw = new Map<string, Obj>();
  optArray(value, at).forEach((item, i) => {
    const p = object(item, `${at}/${i}`);
    raw.set(token(p.id, `${at}/${i}/id`), p);
  });
  const texts = new Map<string, string>();
  const textOf = (id: string, depth: number): string => {
    const known = texts.get(id);
    if (known !== undefined) return known;
    const p = raw.get(id);
    if (!p || depth > 4) return `[${id}]`;
    let text: string;
    if (isObj(p.select) && Array.isArray(p.select.choice)) {
      const how = p.select['how-many'] === 'one-or-more' ? ' (one or more)' : '';
      const choices = p.select.choice.filter((c): c is string => typeof c === 'string').map((c) => c.replace(INSERT, (_m, ref: string) => textOf(ref, depth + 1)));
      text = `[Selection${how}: ${choices.join('; ')}]`;
    } else if (typeof p.label === 'string') {
      text = `[Assignment: ${p.label}]`;
    } else {
      text = `[${id}]`;
    }
    texts.set(id, text);
    return text;
  };
  for (const id of raw.keys()) textOf(id, 0);
  return texts;
}

/** The statement part as plain text: one line per item, "label prose", parameters filled in. */
function statementOf(value: unknown, at: string, params: Map<string, string>, depth: number): string {
  const lines: string[] = [];
  const walk = (parts: unknown, where: string, inStatement: boolean, level: number): void => {
    if (level > MAX_NESTING) throw invalidField(where, `nests deeper than ${MAX_NESTING} levels`);
    optArray(parts, where).forEach((item, i) => {
      const here = `${where}/${i}`;
      const part = object(item, here);
      const name = token(part.name, `${here}/name`);
      const statement = inStatement || name === 'statement';
      if (statement) {
        const label = labelOf(parseProps(part.props, `${here}/props`), '');
        const prose = part.prose === undefined ? '' : string(part.prose, `${here}/prose`).replace(INSERT, (_m, ref: string) => params.get(ref) ?? `[${ref}]`);
        const line = `${label} ${prose.trim()}`.trim();
        if (line) lines.push(line);
      }
      walk(part.parts, `${here}/parts`, statement, level + 1);
    });
  };
  walk(value, at, false, depth);
  return lines.join('\n');
}

function parseSelector(value: unknown, at: string): Selector {
  const s = object(value, at);
  const child = s['with-child-controls'];
  if (child !== undefined && child !== 'yes' && child !== 'no') throw invalidField(`${at}/with-child-controls`, 'must be "yes" or "no"');
  const withIds = optArray(s['with-ids'], `${at}/with-ids`).map((id, i) => token(id, `${at}/with-ids/${i}`));
  const matching = optArray(s.matching, `${at}/matching`).map((m, i) => nonEmpty(object(m, `${at}/matching/${i}`).pattern, `${at}/matching/${i}/pattern`));
  if (!withIds.length && !matching.length) throw invalidField(at, 'selects nothing: give with-ids or matching');
  return { withIds, withChildControls: child === 'yes', matching };
}

function baseName(href: string): string {
  const path = href.split(/[?#]/)[0];
  return decodeURIComponentSafe(path.slice(path.lastIndexOf('/') + 1)).toLowerCase();
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseProfile(value: unknown): ParsedProfile {
  const profile = object(value, '/profile');
  const meta = parseMetadata(profile.metadata, '/profile/metadata');
  const resources = new Map<string, { resource: Obj; at: string }>();
  if (profile['back-matter'] !== undefined) {
    const backMatter = object(profile['back-matter'], '/profile/back-matter');
    optArray(backMatter.resources, '/profile/back-matter/resources').forEach((item, i) => {
      const rat = `/profile/back-matter/resources/${i}`;
      const r = object(item, rat);
      resources.set(uuid(r.uuid, `${rat}/uuid`), { resource: r, at: rat });
    });
  }
  const imports = array(profile.imports, '/profile/imports', 1).map((item, i): ParsedImport => {
    const at = `/profile/imports/${i}`;
    const imp = object(item, at);
    const href = nonEmpty(imp.href, `${at}/href`);
    const names: ParsedImport['names'] = { uuids: [], files: [], titles: [] };
    if (href.startsWith('#')) {
      const ref = href.slice(1).toLowerCase();
      const found = resources.get(ref);
      if (!found) throw invalidField(`${at}/href`, `${href} names no resource in the profile's back-matter`);
      const { resource, at: rat } = found;
      names.uuids.push(ref);
      for (const key of ['title', 'description'] as const) if (typeof resource[key] === 'string') names.titles.push(resource[key]);
      optArray(resource.rlinks, `${rat}/rlinks`).forEach((link, k) => {
        names.files.push(baseName(nonEmpty(object(link, `${rat}/rlinks/${k}`).href, `${rat}/rlinks/${k}/href`)));
      });
    } else if (/^urn:uuid:/i.test(href)) {
      names.uuids.push(href.slice(9).toLowerCase());
    } else {
      names.files.push(baseName(href));
    }
    if (imp['include-all'] !== undefined) object(imp['include-all'], `${at}/include-all`);
    const include = optArray(imp['include-controls'], `${at}/include-controls`).map((s, k) => parseSelector(s, `${at}/include-controls/${k}`));
    if (imp['include-all'] !== undefined && include.length) throw invalidField(at, 'has both include-all and include-controls');
    return {
      href,
      pointer: at,
      names,
      // An import that says neither takes the whole catalog, as include-all would.
      includeAll: !include.length,
      include,
      exclude: optArray(imp['exclude-controls'], `${at}/exclude-controls`).map((s, k) => parseSelector(s, `${at}/exclude-controls/${k}`)),
    };
  });
  const adds = new Map<string, OscalProp[]>();
  if (profile.modify !== undefined) {
    const modify = object(profile.modify, '/profile/modify');
    optArray(modify.alters, '/profile/modify/alters').forEach((item, i) => {
      const at = `/profile/modify/alters/${i}`;
      const alter = object(item, at);
      const controlId = token(alter['control-id'], `${at}/control-id`);
      optArray(alter.adds, `${at}/adds`).forEach((add, k) => {
        const a = object(add, `${at}/adds/${k}`);
        // Props added to one of the control's parts (by-id) belong to that part, not the control.
        if (a['by-id'] !== undefined && a['by-id'] !== controlId) return;
        const props = parseProps(a.props, `${at}/adds/${k}/props`);
        if (props.length) adds.set(controlId, [...(adds.get(controlId) ?? []), ...props]);
      });
    });
  }
  return { uuid: uuid(profile.uuid, '/profile/uuid'), ...meta, imports, adds };
}
