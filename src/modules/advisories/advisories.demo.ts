// The demo's advisory records: NVD CVE records (demo/nvd, one NVD CVE API 2.0 `cve` object per
// file, written by us from the public records' structure) for the CVEs the demo's findings alias
// whose own records carry no CVSS (the Go vulndb's), so that the demo shows where each rating
// comes from. Loaded by `thirdwatch demo` through the NVD importer, like any NVD directory.
import { fileURLToPath } from 'node:url';
import type { RequestContext } from '../../platform/context.js';
import type { FeedService } from './feeds.service.js';

/** demo/nvd at the root of the checkout (the same depth from src/ and from dist/). */
export const DEMO_NVD_DIR = fileURLToPath(new URL('../../../demo/nvd/', import.meta.url));

export async function loadDemoNvd(services: { feeds: FeedService }, ctx: RequestContext): Promise<{ nvdRecords: number }> {
  const report = await services.feeds.importPath('nvd', DEMO_NVD_DIR, {}, ctx);
  return { nvdRecords: report.imported + report.updated };
}
