// Fixtures shared by the CPE tests (API and browser): CPE entries indexed as the NVD importer writes
// them, and a desktop-app SBOM with an embedded Chromium, a declared CPE and an npm package.
import { systemContext } from '../../platform/context.js';
import type { TestServer } from '../../../test/support/server.js';
import { importFeed, osvRecord } from '../findings/test-support.js';
import { MatchingRepository } from '../matching/matching.repository.js';
import { keyOf } from '../matching/matching.keys.js';
import type { CpeEntryPayload } from '../purl/index.js';

/**
 * An advisory whose CPE applicability is indexed as the NVD importer indexes it (advisory_packages
 * rows of ecosystem 'cpe' under vendor:product), then matched as a feed write is: the advisory side
 * of CPE matching, through its keys only. The record itself comes in through the OSV import (an
 * unrelated Go package), which gives it a group.
 */
export async function indexCpeAdvisory(server: TestServer, id: string, criteria: Array<Omit<CpeEntryPayload['criterion'], 'vulnerable'>>): Promise<void> {
  await importFeed(server, 'osv', JSON.stringify(osvRecord(id, `example.com/unrelated/${id.toLowerCase()}`, '1.0.0')));
  const db = server.tw.database.db;
  const advisory = await db.selectFrom('advisories').select(['id', 'group_id', 'external_id']).where('external_id', '=', id).executeTakeFirstOrThrow();
  await db.transaction().execute(async (trx) => {
    await new MatchingRepository(trx).lockMatching('exclusive');
    const keys = new Set<string>();
    let idx = 100;
    for (const c of criteria) {
      const [, , , vendor, product] = c.criteria.split(':');
      const payload: CpeEntryPayload = { type: 'CPE', criterion: { ...c, vulnerable: true }, platforms: null };
      await trx
        .insertInto('advisory_packages')
        .values({
          advisory_id: advisory.id, idx: idx++, group_id: advisory.group_id, external_id: advisory.external_id, ecosystem: 'cpe', ecosystem_release: null,
          package_name: `${vendor}:${product}`, raw_ecosystem: 'cpe', raw_name: c.criteria, purl: null, versions: '[]', ranges: JSON.stringify([payload]),
          fixed: JSON.stringify(c.versionEndExcluding ? [c.versionEndExcluding] : []),
        })
        .execute();
      keys.add(keyOf('cpe', `${vendor}:${product}`));
    }
    await server.tw.services.matcher.matchAdvisoryChanges(trx, { groups: new Set([advisory.group_id]), keys, withdrawnGroups: new Set() }, systemContext('test'));
  });
}

export function desktopBom(release: string, extra: object[] = []): string {
  return JSON.stringify({
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: { component: { type: 'application', name: '3CX Desktop App', version: release, 'bom-ref': 'root' } },
    components: [
      { type: 'file', name: 'chromium', version: '102.0.5005.167', supplier: { name: 'Google LLC' }, 'bom-ref': 'chromium', purl: 'pkg:generic/chromium@102.0.5005.167' },
      { type: 'library', name: 'sqlite', version: '3.39.0', 'bom-ref': 'sqlite', cpe: 'cpe:2.3:a:sqlite:sqlite:3.39.0:*:*:*:*:*:*:*' },
      { type: 'library', name: 'lodash', version: '4.17.21', 'bom-ref': 'lodash', purl: 'pkg:npm/lodash@4.17.21' },
      ...extra,
    ],
    dependencies: [{ ref: 'root', dependsOn: ['chromium', 'sqlite', 'lodash'] }],
  });
}
