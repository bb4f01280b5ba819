// The blocklist as files proxies and resolvers load. Domains reaching here are normalised
// (lower-case ASCII letters, digits, '-', '_' and dots), so nothing in them can break a line or a
// record; reasons and names are free text and are never written into these files.

export type ExportFormat = 'domains' | 'squid' | 'rpz';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['domains', 'squid', 'rpz'];

export const MEDIA_TYPES: Record<ExportFormat, string> = {
  domains: 'text/plain; charset=utf-8',
  squid: 'text/plain; charset=utf-8',
  rpz: 'text/dns; charset=utf-8',
};

export const FILE_NAMES: Record<ExportFormat, string> = {
  domains: 'blocklist.txt',
  squid: 'blocklist.squid.acl',
  rpz: 'blocklist.rpz.zone',
};

export interface ExportInput {
  domains: string[];
  generatedAt: string;
  /** RPZ SOA serial: changes whenever the exported set may have changed. */
  serial: number;
  /** RPZ zone name, absolute or relative to the root. */
  zone: string;
}

export const DEFAULT_RPZ_ZONE = 'rpz.thirdwatch.local';

export function renderBlocklist(format: ExportFormat, input: ExportInput): string {
  const domains = [...new Set(input.domains)].sort();
  switch (format) {
    case 'domains':
      return domains.map((d) => `${d}\n`).join('');
    case 'squid':
      return squidAcl(domains, input.generatedAt);
    case 'rpz':
      return rpzZone(domains, input);
  }
}

/**
 * A `dstdomain` ACL file: `.example.com` matches the domain and every subdomain. Squid warns about
 * (and drops) an entry that a listed parent already covers, so covered subdomains are left out.
 */
function squidAcl(domains: string[], generatedAt: string): string {
  const listed = new Set(domains);
  const kept = domains.filter((d) => !parentsOf(d).some((p) => listed.has(p)));
  return [
    `# Thirdwatch egress blocklist: ${kept.length} domains (and their subdomains), generated ${generatedAt}`,
    '# squid.conf: acl thirdwatch_blocklist dstdomain "/path/to/this/file"',
    '#             http_access deny thirdwatch_blocklist',
    ...kept.map((d) => `.${d}`),
    '',
  ].join('\n');
}

/**
 * A Response Policy Zone (BIND, Unbound, Knot Resolver, PowerDNS Recursor): `CNAME .` answers
 * NXDOMAIN for the name and, through the wildcard, for every name under it.
 */
function rpzZone(domains: string[], input: ExportInput): string {
  const origin = input.zone.endsWith('.') ? input.zone : `${input.zone}.`;
  return [
    `; Thirdwatch egress blocklist: ${domains.length} domains, generated ${input.generatedAt}`,
    `$ORIGIN ${origin}`,
    '$TTL 300',
    `@ IN SOA localhost. hostmaster.localhost. ( ${input.serial} 3600 600 604800 300 )`,
    '@ IN NS localhost.',
    ...domains.flatMap((d) => [`${d} IN CNAME .`, `*.${d} IN CNAME .`]),
    '',
  ].join('\n');
}

/** The domains strictly above `domain` ("a.b.example.com" → "b.example.com", "example.com", "com"). */
export function parentsOf(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(1).map((_l, i) => labels.slice(i + 1).join('.'));
}
