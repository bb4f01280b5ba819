// Release registry of the demo organisation: the 3CX Desktop App's two demo releases as the vendor
// published them (installer hashes, signer, inner files from each release's SBOM), and one check
// of a tampered 18.12.416 installer, which raises hash-mutation and quarantine alerts. Bytes are
// synthetic (a label repeated), never a real installer or indicator.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RequestContext } from '../../platform/context.js';
import type { VendorService } from '../vendors/vendors.service.js';
import type { IntegrityService } from './integrity.service.js';

const RELEASES = ['18.12.407', '18.12.416'] as const;
const SIGNER = { subject: 'CN=3CX Ltd, O=3CX Ltd, C=CY (demo)', issuer: 'CN=Demo Code Signing CA, O=Thirdwatch Demo', serial: '0a3c0d1e5e', thumbprint: createHash('sha1').update('thirdwatch demo 3CX signer').digest('hex') };

/** The synthetic bytes of a demo file: what the vendor published, or a tampered copy. */
export function demoArtifactBytes(release: string, fileName: string, tampered = false): Buffer {
  return Buffer.from(`thirdwatch demo artifact: 3CX Desktop App ${release} ${fileName}${tampered ? ' + appended payload' : ''}\n`.repeat(2048));
}

export const demoInstallerName = (release: string) => `3CXDesktopApp-${release}.msi`;

export interface DemoArtifactSummary {
  registered: number;
  checked: number;
  alerts: number;
  skipped: boolean;
}

/** Registers the demo releases' artifacts and checks a tampered installer; left alone when the product already has artifacts. */
export async function loadDemoArtifacts(services: { vendors: VendorService; integrity: IntegrityService }, ctx: RequestContext): Promise<DemoArtifactSummary> {
  const summary: DemoArtifactSummary = { registered: 0, checked: 0, alerts: 0, skipped: true };
  const vendor = (await services.vendors.list({ q: '3CX', limit: 5 })).items.find((v) => v.name === '3CX');
  const product = vendor && (await services.vendors.listProducts(vendor.id)).find((p) => p.name === '3CX Desktop App');
  if (!product || (await services.integrity.list({ productId: product.id, limit: 1 })).items.length) return summary;
  summary.skipped = false;
  for (const release of RELEASES) {
    const bytes = demoArtifactBytes(release, demoInstallerName(release));
    const hash = (alg: string) => createHash(alg).update(bytes).digest('hex');
    await services.integrity.register(
      {
        productId: product.id,
        version: release,
        fileName: demoInstallerName(release),
        size: bytes.length,
        sha256: hash('sha256'),
        sha512: hash('sha512'),
        sha1: hash('sha1'),
        md5: hash('md5'),
        signer: SIGNER,
        signingTime: release === '18.12.407' ? '2023-02-21T10:30:00Z' : '2023-03-07T09:12:00Z',
        fromSbom: true,
      },
      ctx,
    );
    summary.registered++;
  }
  const tampered = demoArtifactBytes('18.12.416', demoInstallerName('18.12.416'), true);
  const result = await services.integrity.checkStream({ productId: product.id, version: '18.12.416', fileName: demoInstallerName('18.12.416') }, Readable.from([tampered]), ctx);
  summary.checked++;
  summary.alerts += result.alerts.length;
  return summary;
}
