// CycloneDX XML: pre-scan (no DTDs, balanced, bounded depth), parse with fast-xml-parser with entity
// processing off, then reshape into the JSON form so the shared CycloneDX walk does the rest.
import { XMLParser } from 'fast-xml-parser';
import { isObject, type JsonObject, type ParseLimits } from './common.js';
import { buildCycloneDx } from './cyclonedx.js';
import { SbomParseError, type ParsedSbom } from './model.js';
import { checkXmlStructure, decodeXmlText } from './xml.js';
import { findUnstorable } from '../../../platform/text.js';

/** Elements that may repeat; always read as arrays so one and many look alike. */
const REPEATED = new Set(['component', 'tool', 'hash', 'license', 'expression', 'dependency', 'service']);

type Shaped = Record<string, unknown>;

export function parseCycloneDxXml(text: string, specVersion: string, limits: ParseLimits): ParsedSbom {
  // A component at nesting depth d sits 2d+1 elements deep; the slack covers its own children.
  const maxElementDepth = 2 * limits.maxDepth + 32;
  checkXmlStructure(text, maxElementDepth);
  const shaped = toJsonShape(parseXml(text, maxElementDepth), specVersion);
  // A character reference (&#0;, &#xD800;) can spell text that cannot be stored: named here, by the
  // field it is in (as the JSON form would name it), rather than later by the database guard.
  const unstorable = findUnstorable(shaped);
  if (unstorable) throw new SbomParseError(`${unstorable.field}: ${unstorable.reason}`, unstorable.field);
  return buildCycloneDx(shaped, 'xml', limits);
}

function parseXml(text: string, maxElementDepth: number): JsonObject {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxElementDepth,
    isArray: (name) => REPEATED.has(name),
  });
  try {
    return parser.parse(text) as JsonObject;
  } catch (err) {
    throw new SbomParseError(`invalid XML: ${(err as Error).message}`);
  }
}

function toJsonShape(tree: JsonObject, specVersion: string): Shaped {
  // An empty <bom/> parses as '' rather than as an object.
  const bom = tree.bom === '' ? {} : tree.bom;
  if (!isObject(bom)) throw new SbomParseError('invalid XML: unexpected <bom> content');
  const metadata = isObject(bom.metadata) ? bom.metadata : null;
  return {
    bomFormat: 'CycloneDX',
    specVersion,
    serialNumber: attribute(bom, 'serialNumber'),
    metadata: metadata && {
      timestamp: text(metadata, 'timestamp'),
      tools: tools(metadata.tools),
      component: shapeTree(asList(metadata.component).slice(0, 1), component, 'components', 'component')[0],
    },
    components: shapeTree(wrapped(bom, 'components', 'component'), component, 'components', 'component'),
    services: shapeTree(wrapped(bom, 'services', 'service'), service, 'services', 'service'),
    dependencies: wrapped(bom, 'dependencies', 'dependency').map(dependency),
  };
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Items of `<wrapper><item/>…</wrapper>`; an empty or missing wrapper yields none. */
function wrapped(node: JsonObject, wrapper: string, item: string): unknown[] {
  return asList(node[wrapper]).flatMap((w) => (isObject(w) ? asList(w[item]) : []));
}

/** Element text with character references decoded; anything that is not text passes through for the walk to reject. */
function textValue(value: unknown): unknown {
  if (typeof value === 'string') return decodeXmlText(value);
  if (isObject(value) && Object.keys(value).every((key) => key === '#text' || key.startsWith('@'))) {
    return typeof value['#text'] === 'string' ? decodeXmlText(value['#text']) : '';
  }
  return value;
}

function text(node: JsonObject, key: string): unknown {
  return textValue(node[key]);
}

function attribute(node: JsonObject, name: string): string | undefined {
  const value = node[`@${name}`];
  return typeof value === 'string' ? decodeXmlText(value) : undefined;
}

/**
 * Shapes a tree of `<wrapper><item>…</item></wrapper>` nesting; iterative, like the walk that
 * follows, so nesting depth never touches the call stack.
 */
function shapeTree(roots: unknown[], shape: (node: JsonObject) => Shaped, wrapper: string, item: string): unknown[] {
  const out: unknown[] = [];
  const work = [{ nodes: roots, into: out }];
  for (let job = work.pop(); job; job = work.pop()) {
    for (const node of job.nodes) {
      if (!isObject(node)) {
        job.into.push(node);
        continue;
      }
      const shaped = shape(node);
      const children = wrapped(node, wrapper, item);
      if (children.length) {
        const into: unknown[] = [];
        shaped[wrapper] = into;
        work.push({ nodes: children, into });
      }
      job.into.push(shaped);
    }
  }
  return out;
}

function component(node: JsonObject): Shaped {
  return {
    'bom-ref': attribute(node, 'bom-ref'),
    type: attribute(node, 'type'),
    name: text(node, 'name'),
    version: text(node, 'version'),
    group: text(node, 'group'),
    purl: text(node, 'purl'),
    cpe: text(node, 'cpe'),
    scope: text(node, 'scope'),
    supplier: isObject(node.supplier) ? { name: text(node.supplier, 'name') } : undefined,
    licenses: licenses(node.licenses),
    hashes: wrapped(node, 'hashes', 'hash').map((hash) => ({
      alg: isObject(hash) ? attribute(hash, 'alg') : undefined,
      content: textValue(hash),
    })),
  };
}

function licenses(wrapper: unknown): Shaped[] {
  if (!isObject(wrapper)) return [];
  return [
    ...asList(wrapper.license).map((license) => ({
      license: isObject(license) ? { id: text(license, 'id'), name: text(license, 'name') } : license,
    })),
    ...asList(wrapper.expression).map((expression) => ({ expression: textValue(expression) })),
  ];
}

function tools(node: unknown): unknown {
  if (!isObject(node)) return undefined;
  const tool = (entry: unknown) =>
    isObject(entry)
      ? { vendor: text(entry, 'vendor'), group: text(entry, 'group'), name: text(entry, 'name'), version: text(entry, 'version') }
      : entry;
  if (node.tool !== undefined) return asList(node.tool).map(tool);
  return {
    components: wrapped(node, 'components', 'component').map(tool),
    services: wrapped(node, 'services', 'service').map(tool),
  };
}

function service(node: JsonObject): Shaped {
  return { 'bom-ref': attribute(node, 'bom-ref'), name: text(node, 'name') };
}

function dependency(node: unknown): unknown {
  if (!isObject(node)) return node;
  return {
    ref: attribute(node, 'ref'),
    dependsOn: asList(node.dependency).map((target) => (isObject(target) ? attribute(target, 'ref') : undefined)),
  };
}
