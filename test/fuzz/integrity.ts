// Fuzz targets for update integrity: the PE/Authenticode reader and Sigstore bundle verification.
// PE seeds are small images built and signed at run time (plain, padded 3CX-style, PE32 with SHA-1,
// unsigned); damage overwrites the header fields that hold offsets and lengths with hostile values,
// flips bytes and truncates. analyseSignature documents no exception: any throw is a crash, and a
// "valid" verdict must mean both the signature and the Authenticode digest held. Bundle seeds come
// from a private test Sigstore; verification may only refuse with a 400 AppError.
import fc from 'fast-check';
import { AppError } from '../../src/platform/errors.js';
import { analyseSignature } from '../../src/modules/integrity/authenticode.js';
import { bufferSource } from '../../src/modules/integrity/pe.js';
import { SigstoreVerifier } from '../../src/modules/integrity/sigstore.js';
import { buildPe, makeSigner, peOffsets, signPe } from '../../src/modules/integrity/test-support/pe-builder.js';
import { makeSigstore } from '../../src/modules/integrity/test-support/sigstore-fixtures.js';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { jsonDocument, type FuzzBytes } from './mutate.js';
import { Crash, expectOnly, type Target } from './target.js';

const HOSTILE_U32 = [0, 1, 7, 8, 0x3c, 0x40, 0x200, 0x7fffffff, 0x80000000, 0xfffffff8, 0xffffffff];

async function peSeeds(): Promise<Buffer[]> {
  const signer = await makeSigner('Fuzz Signer');
  const rsa = await makeSigner('Fuzz RSA', { algorithm: 'rsa' });
  return [
    await signPe(buildPe(), signer),
    await signPe(buildPe(), signer, { padding: Buffer.from('appended payload '.repeat(4)) }),
    await signPe(buildPe({ plus: false }), rsa, { digest: 'sha1' }),
    buildPe(),
  ];
}

/** The places worth damaging: e_lfanew, section count, optional header size and magic, data directory 4, and the WIN_CERTIFICATE header. */
function hotOffsets(image: Buffer): number[] {
  const { checksum, certDirectory } = peOffsets(image);
  const certAt = image.readUInt32LE(certDirectory);
  return [0x3c, 0x46, 0x54, checksum - 64, certDirectory - 4, certDirectory, certDirectory + 4, certAt, certAt + 4, certAt + 8, certAt + 9, certAt + 10];
}

function peInputs(seeds: Buffer[]): fc.Arbitrary<FuzzBytes> {
  return fc
    .record({
      seed: fc.nat(seeds.length - 1),
      writes: fc.array(fc.record({ hot: fc.nat(), value: fc.nat(HOSTILE_U32.length - 1), delta: fc.integer({ min: -16, max: 16 }) }), { maxLength: 3 }),
      flips: fc.array(fc.record({ at: fc.nat(), bit: fc.nat(7) }), { maxLength: 3 }),
      cut: fc.option(fc.nat(), { freq: 4 }),
    })
    .map(({ seed, writes, flips, cut }) => {
      const image = Buffer.from(seeds[seed]);
      const hot = hotOffsets(seeds[seed]).filter((o) => o + 4 <= image.length);
      for (const w of writes) {
        const at = hot[w.hot % hot.length];
        const current = image.readUInt32LE(at);
        image.writeUInt32LE(w.delta ? (current + w.delta) >>> 0 : HOSTILE_U32[w.value], at);
      }
      for (const f of flips) image[f.at % image.length] ^= 1 << f.bit;
      return cut === null ? image : image.subarray(0, cut % (image.length + 1));
    });
}

async function checkPe(input: FuzzBytes): Promise<void> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input);
  await expectOnly(async () => {
    const result = await analyseSignature(bufferSource(bytes));
    if (result.status === 'valid' && !(result.digestMatches && result.signatureVerifies)) throw new Crash('"valid" without a matching digest and a verifying signature');
    if (result.status === 'malformed' && !result.problems.length) throw new Crash('"malformed" without a reason');
    if (result.padding.bytes < 0) throw new Crash(`negative padding ${result.padding.bytes}`);
  });
}

export function authenticodeTarget(): Target<FuzzBytes> {
  return { name: 'authenticode-pe', kind: 'parser', inputs: async () => peInputs(await peSeeds()), open: async () => ({ check: checkPe }) };
}

interface BundleSession {
  check(input: FuzzBytes): Promise<void>;
  seeds: unknown[];
}

const SUBJECT = 'ab'.repeat(32);

export function sigstoreTarget(): Target<FuzzBytes> {
  return {
    name: 'sigstore-bundle',
    kind: 'parser',
    inputs: async (session) => jsonDocument((session as unknown as BundleSession).seeds, 4, 2),
    open: async () => {
      const sigstore = await makeSigstore();
      const verifier = new SigstoreVerifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)));
      const seeds = [await sigstore.bundle([{ name: 'a.msi', digest: { sha256: SUBJECT } }]), await sigstore.bundle([{ name: 'b', digest: { sha512: 'cd'.repeat(64) } }, { name: 'a.msi', digest: { sha256: SUBJECT } }])];
      const session: BundleSession = {
        seeds,
        check: (input) =>
          expectOnly(() => {
            let json: unknown;
            try {
              json = JSON.parse(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
            } catch {
              return;
            }
            const provenance = verifier.verify(json, { sha256: SUBJECT, sha512: null });
            if (!provenance.subjects.some((s) => s.digest.sha256?.toLowerCase() === SUBJECT)) throw new Crash('verified a bundle whose subjects do not name the artifact');
          }, AppError),
      };
      return session;
    },
  };
}
