// Small hand-made CycloneDX 1.5 JSON documents for tests that need an exact graph.

export interface BuildComponent {
  purl?: string;
  /** Required when there is no purl. */
  name?: string;
  version?: string;
  /** bom-ref; default: the purl, else the name. */
  ref?: string;
  hashes?: Record<string, string>;
  licenses?: string[];
  /** Refs this component depends on. */
  deps?: string[];
  components?: BuildComponent[];
}

export interface BuildOptions {
  root?: { purl: string; name: string; version: string } | null;
  /** Refs the root depends on; default none. */
  direct?: string[];
  components: BuildComponent[];
  specVersion?: string;
}

function nameOf(c: BuildComponent): { name: string; version?: string; group?: string } {
  if (c.name) return { name: c.name, version: c.version };
  const path = c.purl!.replace(/^pkg:[^/]+\//, '').replace(/[?#].*$/, '');
  const at = path.lastIndexOf('@');
  const segments = (at > 0 ? path.slice(0, at) : path).split('/').map(decodeURIComponent);
  const name = segments.pop()!;
  return { name, version: c.version ?? (at > 0 ? decodeURIComponent(path.slice(at + 1)) : undefined), group: segments.length ? segments.join('/') : undefined };
}

const refOf = (c: BuildComponent) => c.ref ?? c.purl ?? c.name!;

function component(c: BuildComponent): Record<string, unknown> {
  const { name, version, group } = nameOf(c);
  return {
    type: 'library',
    'bom-ref': refOf(c),
    ...(group ? { group } : {}),
    name,
    ...(version ? { version } : {}),
    ...(c.hashes ? { hashes: Object.entries(c.hashes).map(([alg, content]) => ({ alg, content })) } : {}),
    ...(c.licenses ? { licenses: c.licenses.map((id) => ({ license: { id } })) } : {}),
    ...(c.purl ? { purl: c.purl } : {}),
    ...(c.components ? { components: c.components.map(component) } : {}),
  };
}

function flatten(list: BuildComponent[]): BuildComponent[] {
  return list.flatMap((c) => [c, ...flatten(c.components ?? [])]);
}

export function buildCycloneDx(options: BuildOptions): string {
  const root = options.root === undefined ? { purl: 'pkg:generic/test-product@1.0.0', name: 'test-product', version: '1.0.0' } : options.root;
  const all = flatten(options.components);
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: options.specVersion ?? '1.5',
    version: 1,
    metadata: {
      timestamp: '2024-01-01T00:00:00Z',
      ...(root ? { component: { type: 'application', 'bom-ref': root.purl, name: root.name, version: root.version, purl: root.purl } } : {}),
    },
    components: options.components.map(component),
    dependencies: [
      ...(root ? [{ ref: root.purl, dependsOn: options.direct ?? [] }] : []),
      ...all.filter((c) => c.deps?.length).map((c) => ({ ref: refOf(c), dependsOn: c.deps })),
    ],
  });
}
