// NVD CVE API 2.0 records for tests and benches, shaped like the public records (written for this
// project from the structure of NVD's JSON, not copied).

export interface NvdCriterionFixture {
  vulnerable: boolean;
  criteria: string;
  matchCriteriaId?: string;
  versionStartIncluding?: string;
  versionStartExcluding?: string;
  versionEndIncluding?: string;
  versionEndExcluding?: string;
}

export interface NvdNodeFixture {
  operator: 'AND' | 'OR';
  negate: boolean;
  cpeMatch: NvdCriterionFixture[];
}

export interface NvdConfigurationFixture {
  operator?: 'AND' | 'OR';
  negate?: boolean;
  nodes: NvdNodeFixture[];
}

export type NvdCveFixture = Record<string, unknown> & { id: string; lastModified: string; configurations?: NvdConfigurationFixture[] };

/** A `cve` object: one application CPE range, an NVD Primary v3.1 score and a CNA's Secondary one. */
export function nvdCve(id: string, overrides: Partial<NvdCveFixture> = {}): NvdCveFixture {
  return {
    id,
    sourceIdentifier: 'cve@mitre.org',
    published: '2024-03-01T10:15:07.123',
    lastModified: '2024-03-05T16:20:11.456',
    vulnStatus: 'Analyzed',
    cveTags: [],
    descriptions: [
      { lang: 'en', value: `Example Widget before 2.4.1 lets a remote attacker run code through a crafted request (${id}). Versions 2.4.1 and later are fixed.` },
      { lang: 'es', value: 'Example Widget antes de 2.4.1 permite a un atacante remoto ejecutar código.' },
    ],
    metrics: {
      cvssMetricV31: [
        nvdMetric('3.1', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'nvd@nist.gov', 'Primary'),
        nvdMetric('3.1', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', 8.1, 'cna@example.com', 'Secondary'),
      ],
    },
    weaknesses: [
      { source: 'nvd@nist.gov', type: 'Primary', description: [{ lang: 'en', value: 'CWE-787' }] },
      { source: 'cna@example.com', type: 'Secondary', description: [{ lang: 'en', value: 'CWE-120' }, { lang: 'en', value: 'NVD-CWE-Other' }] },
    ],
    configurations: [
      {
        nodes: [
          {
            operator: 'OR',
            negate: false,
            cpeMatch: [{ vulnerable: true, criteria: 'cpe:2.3:a:example:widget:*:*:*:*:*:*:*:*', versionEndExcluding: '2.4.1', matchCriteriaId: '00000000-0000-4000-8000-000000000001' }],
          },
        ],
      },
    ],
    references: [
      { url: `https://example.com/security/${id}`, source: 'cve@mitre.org', tags: ['Vendor Advisory'] },
      { url: 'https://example.com/releases/2.4.1', source: 'cve@mitre.org', tags: ['Release Notes'] },
      { url: `https://example.com/security/${id}`, source: 'nvd@nist.gov', tags: ['Patch'] },
    ],
    ...overrides,
  };
}

export function nvdMetric(version: '2.0' | '3.0' | '3.1' | '4.0', vector: string, baseScore: number, source: string, type: 'Primary' | 'Secondary') {
  if (version === '2.0') return { source, type, cvssData: { version, vectorString: vector, baseScore }, baseSeverity: baseScore >= 7 ? 'HIGH' : baseScore >= 4 ? 'MEDIUM' : 'LOW', exploitabilityScore: 10, impactScore: 6.4 };
  return { source, type, cvssData: { version, vectorString: vector, baseScore, baseSeverity: baseScore >= 9 ? 'CRITICAL' : baseScore >= 7 ? 'HIGH' : 'MEDIUM' }, exploitabilityScore: 3.9, impactScore: 5.9 };
}

/** A CVE API 2.0 answer holding the given records (one page). */
export function nvdPage(cves: unknown[], startIndex = 0, totalResults = cves.length) {
  return {
    resultsPerPage: cves.length,
    startIndex,
    totalResults,
    format: 'NVD_CVE',
    version: '2.0',
    timestamp: '2024-03-06T00:00:00.000',
    vulnerabilities: cves.map((cve) => ({ cve })),
  };
}

/** An application that is vulnerable only when it runs on one of the given operating systems. */
export function runningOn(application: NvdCriterionFixture, platforms: string[]): NvdConfigurationFixture {
  return {
    operator: 'AND',
    nodes: [
      { operator: 'OR', negate: false, cpeMatch: [application] },
      { operator: 'OR', negate: false, cpeMatch: platforms.map((criteria) => ({ vulnerable: false, criteria })) },
    ],
  };
}
