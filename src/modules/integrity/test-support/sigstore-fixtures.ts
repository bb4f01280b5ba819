// A private Sigstore for tests: a certificate authority, a transparency log and a CT log, each with
// a key made here, their trusted_root.json, and DSSE bundles they sign (in-toto statements with an
// SCT-bearing signing certificate and a tlog entry with a signed inclusion promise). Nothing is
// copied from the real Sigstore.
import { createHash, KeyObject, sign, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import './pe-builder.js';

interface KeyPair {
  privateKey: CryptoKey;
  spki: Buffer;
}

async function ecKey(): Promise<KeyPair> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { privateKey: keys.privateKey, spki: Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey)) };
}

const ecSign = (key: CryptoKey, data: Buffer) => sign('sha256', data, KeyObject.from(key));

function name(cn: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({ typesAndValues: [new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: cn }) })] });
}

function extension(id: string, value: asn1js.AsnType, critical = false): pkijs.Extension {
  return new pkijs.Extension({ extnID: id, critical, extnValue: value.toBER() });
}

/** Canonical JSON (sorted keys) as Rekor signs it. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export interface TestSigstore {
  trustedRoot: Record<string, unknown>;
  /** A DSSE bundle whose in-toto statement names these subjects. */
  bundle(subjects: Array<{ name: string; digest: Record<string, string> }>, options?: { identity?: string; builder?: string }): Promise<Record<string, unknown>>;
}

export async function makeSigstore(): Promise<TestSigstore> {
  const ca = await ecKey();
  const rekor = await ecKey();
  const ct = await ecKey();
  const now = Date.now();
  const caCert = new pkijs.Certificate();
  caCert.version = 2;
  caCert.serialNumber = new asn1js.Integer({ value: 1 });
  caCert.subject = name('thirdwatch-test-fulcio');
  caCert.issuer = name('thirdwatch-test-fulcio');
  caCert.notBefore.value = new Date(now - 86_400_000);
  caCert.notAfter.value = new Date(now + 365 * 86_400_000);
  await caCert.subjectPublicKeyInfo.importKey(await webcrypto.subtle.importKey('spki', ca.spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
  caCert.extensions = [
    extension('2.5.29.19', new pkijs.BasicConstraints({ cA: true }).toSchema(), true),
    extension('2.5.29.15', new asn1js.BitString({ valueHex: new Uint8Array([0x06]), unusedBits: 1 }), true),
  ];
  await caCert.sign(ca.privateKey, 'SHA-256');
  const caDer = Buffer.from(caCert.toSchema().toBER());
  const logId = (spki: Buffer) => createHash('sha256').update(spki).digest();
  const start = new Date(now - 86_400_000).toISOString();
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: 'https://rekor.test.invalid', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: rekor.spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } }, logId: { keyId: logId(rekor.spki).toString('base64') } }],
    certificateAuthorities: [{ subject: { organization: 'thirdwatch-test', commonName: 'thirdwatch-test-fulcio' }, uri: 'https://fulcio.test.invalid', certChain: { certificates: [{ rawBytes: caDer.toString('base64') }] }, validFor: { start } }],
    ctlogs: [{ baseUrl: 'https://ctfe.test.invalid', hashAlgorithm: 'SHA2_256', publicKey: { rawBytes: ct.spki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } }, logId: { keyId: logId(ct.spki).toString('base64') } }],
    timestampAuthorities: [],
  };
  let serial = 100;

  return {
    trustedRoot,
    async bundle(subjects, options = {}) {
      const leafKey = await ecKey();
      const leaf = new pkijs.Certificate();
      leaf.version = 2;
      leaf.serialNumber = new asn1js.Integer({ value: serial++ });
      leaf.subject = new pkijs.RelativeDistinguishedNames();
      leaf.issuer = caCert.subject;
      leaf.notBefore.value = new Date(now - 60_000);
      leaf.notAfter.value = new Date(now + 600_000);
      await leaf.subjectPublicKeyInfo.importKey(await webcrypto.subtle.importKey('spki', leafKey.spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']));
      const san = new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 1, value: options.identity ?? 'release-bot@acme.test' })] });
      leaf.extensions = [
        extension('2.5.29.15', new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 }), true),
        extension('2.5.29.37', new pkijs.ExtKeyUsage({ keyPurposes: ['1.3.6.1.5.5.7.3.3'] }).toSchema()),
        extension('2.5.29.17', san.toSchema(), true),
        new pkijs.Extension({ extnID: '1.3.6.1.4.1.57264.1.1', extnValue: new Uint8Array(Buffer.from('https://token.actions.githubusercontent.com')).buffer }),
      ];
      // The precertificate: the certificate as it will be, without the SCT list (RFC 6962 §3.2).
      await leaf.sign(ca.privateKey, 'SHA-256');
      const tbs = Buffer.from(leaf.encodeTBS().toBER());
      const timestamp = Buffer.alloc(8);
      timestamp.writeBigUInt64BE(BigInt(now));
      const signed = Buffer.concat([Buffer.from([0, 0]), timestamp, Buffer.from([0, 1]), createHash('sha256').update(ca.spki).digest(), Buffer.from([tbs.length >> 16, (tbs.length >> 8) & 0xff, tbs.length & 0xff]), tbs, Buffer.from([0, 0])]);
      const sctSignature = ecSign(ct.privateKey, signed);
      const sct = Buffer.concat([Buffer.from([0]), logId(ct.spki), timestamp, Buffer.from([0, 0, 4, 3, sctSignature.length >> 8, sctSignature.length & 0xff]), sctSignature]);
      const list = Buffer.concat([Buffer.from([(sct.length + 2) >> 8, (sct.length + 2) & 0xff, sct.length >> 8, sct.length & 0xff]), sct]);
      leaf.extensions.push(new pkijs.Extension({ extnID: '1.3.6.1.4.1.11129.2.4.2', extnValue: new asn1js.OctetString({ valueHex: new Uint8Array(list) }).toBER() }));
      await leaf.sign(ca.privateKey, 'SHA-256');
      const leafDer = Buffer.from(leaf.toSchema().toBER());

      const statement = {
        _type: 'https://in-toto.io/Statement/v1',
        subject: subjects,
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: {
          buildDefinition: { buildType: 'https://actions.github.io/buildtypes/workflow/v1', externalParameters: { workflow: { repository: 'https://github.com/acme/desk', path: '.github/workflows/release.yml' } } },
          runDetails: { builder: { id: options.builder ?? 'https://github.com/actions/runner/github-hosted' } },
        },
      };
      const payload = Buffer.from(JSON.stringify(statement));
      const payloadType = 'application/vnd.in-toto+json';
      const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);
      const signature = ecSign(leafKey.privateKey, pae);
      const body = Buffer.from(
        canonical({
          apiVersion: '0.0.1',
          kind: 'dsse',
          spec: {
            payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
            signatures: [{ signature: signature.toString('base64'), verifier: Buffer.from(`-----BEGIN CERTIFICATE-----\n${leafDer.toString('base64')}\n-----END CERTIFICATE-----\n`).toString('base64') }],
          },
        }),
      );
      const integratedTime = Math.floor(now / 1000);
      const set = ecSign(rekor.privateKey, Buffer.from(canonical({ body: body.toString('base64'), integratedTime, logIndex: 7, logID: logId(rekor.spki).toString('hex') })));
      return {
        mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
        verificationMaterial: {
          x509CertificateChain: { certificates: [{ rawBytes: leafDer.toString('base64') }] },
          tlogEntries: [
            {
              logIndex: '7',
              logId: { keyId: logId(rekor.spki).toString('base64') },
              kindVersion: { kind: 'dsse', version: '0.0.1' },
              integratedTime: String(integratedTime),
              inclusionPromise: { signedEntryTimestamp: set.toString('base64') },
              canonicalizedBody: body.toString('base64'),
            },
          ],
          timestampVerificationData: { rfc3161Timestamps: [] },
        },
        dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig: signature.toString('base64'), keyid: '' }] },
      };
    },
  };
}
