// Builds small PE images and Authenticode signatures for tests: keys and certificates are made
// here, at test time, with WebCrypto; nothing is copied from a real binary.
import { createHash, KeyObject, sign, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto }));

export interface TestSigner {
  name: string;
  certificate: pkijs.Certificate;
  der: Buffer;
  privateKey: CryptoKey;
}

let serialCounter = 1000;

/** A key pair and a certificate for `commonName`, self-signed or issued by `issuer`. */
export async function makeSigner(commonName: string, options: { issuer?: TestSigner; algorithm?: 'ecdsa' | 'rsa' } = {}): Promise<TestSigner> {
  const params = options.algorithm === 'rsa'
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serialCounter++ });
  const name = (cn: string) => {
    const rdn = new pkijs.RelativeDistinguishedNames();
    rdn.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.10', value: new asn1js.Utf8String({ value: 'Thirdwatch Test' }) }));
    rdn.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: cn }) }));
    return rdn;
  };
  cert.subject = name(commonName);
  cert.issuer = options.issuer ? options.issuer.certificate.subject : name(commonName);
  cert.notBefore.value = new Date('2022-01-01T00:00:00Z');
  cert.notAfter.value = new Date('2032-01-01T00:00:00Z');
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey);
  await cert.sign(options.issuer?.privateKey ?? keys.privateKey, 'SHA-256');
  return { name: commonName, certificate: cert, der: Buffer.from(cert.toSchema().toBER()), privateKey: keys.privateKey };
}

export interface PeOptions {
  plus?: boolean;
  /** Section contents (default: a few recognisable bytes). */
  body?: Buffer;
}

const HEADERS = 0x200;

/** An unsigned PE32 or PE32+ image with one section. */
export function buildPe(options: PeOptions = {}): Buffer {
  const plus = options.plus ?? true;
  const body = options.body ?? Buffer.from('thirdwatch test image\0'.repeat(8));
  const rawSize = Math.ceil(body.length / 0x200) * 0x200;
  const file = Buffer.alloc(HEADERS + rawSize);
  file.write('MZ', 0, 'latin1');
  file.writeUInt32LE(0x40, 0x3c);
  file.writeUInt32LE(0x00004550, 0x40);
  const optionalSize = plus ? 240 : 224;
  file.writeUInt16LE(plus ? 0x8664 : 0x14c, 0x44);
  file.writeUInt16LE(1, 0x46);
  file.writeUInt16LE(optionalSize, 0x54);
  file.writeUInt16LE(0x22, 0x56);
  const opt = 0x58;
  file.writeUInt16LE(plus ? 0x20b : 0x10b, opt);
  file.writeUInt32LE(HEADERS, opt + 60);
  file.writeUInt32LE(16, opt + (plus ? 108 : 92));
  const section = opt + optionalSize;
  file.write('.text', section, 'latin1');
  file.writeUInt32LE(body.length, section + 8);
  file.writeUInt32LE(0x1000, section + 12);
  file.writeUInt32LE(rawSize, section + 16);
  file.writeUInt32LE(HEADERS, section + 20);
  body.copy(file, HEADERS);
  return file;
}

/** Offsets of the checksum and of data directory 4 in an image made by buildPe. */
export function peOffsets(image: Buffer): { checksum: number; certDirectory: number } {
  const opt = image.readUInt32LE(0x3c) + 24;
  const plus = image.readUInt16LE(opt) === 0x20b;
  return { checksum: opt + 64, certDirectory: opt + (plus ? 112 : 96) + 32 };
}

/** The Authenticode digest of an image that has no certificate table yet, computed independently of the code under test. */
export function digestOfUnsigned(image: Buffer, algorithm: string): Buffer {
  const { checksum, certDirectory } = peOffsets(image);
  return createHash(algorithm)
    .update(image.subarray(0, checksum))
    .update(image.subarray(checksum + 4, certDirectory))
    .update(image.subarray(certDirectory + 8))
    .digest();
}

const DIGEST_OIDS: Record<string, string> = { sha1: '1.3.14.3.2.26', sha256: '2.16.840.1.101.3.4.2.1' };

export interface SignOptions {
  digest?: 'sha1' | 'sha256';
  signingTime?: Date;
  /** Extra certificates to carry (the issuer chain). */
  chain?: TestSigner[];
  /** Bytes appended after the PKCS#7 blob inside the WIN_CERTIFICATE (the 3CX trick). */
  padding?: Buffer;
  /** Signs this digest instead of the image's own (a signature copied from another file). */
  signedDigest?: Buffer;
}

/** The image with an Authenticode signature by `signer` appended as its certificate table. */
export async function signPe(unsigned: Buffer, signer: TestSigner, options: SignOptions = {}): Promise<Buffer> {
  const algorithm = options.digest ?? 'sha256';
  const image = Buffer.concat([unsigned, Buffer.alloc((8 - (unsigned.length % 8)) % 8)]);
  const digest = options.signedDigest ?? digestOfUnsigned(image, algorithm);
  const spc = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.3.6.1.4.1.311.2.1.15' }), new asn1js.Sequence({ value: [new asn1js.BitString({ valueHex: new Uint8Array(0) })] })] }),
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: DIGEST_OIDS[algorithm] }), new asn1js.Null()] }),
          new asn1js.OctetString({ valueHex: new Uint8Array(digest) }),
        ],
      }),
    ],
  });
  const spcDer = Buffer.from(spc.toBER());
  const spcContent = spcDer.subarray(spcDer[1] < 0x80 ? 2 : 2 + (spcDer[1] & 0x7f));
  const attributes = [
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: '1.3.6.1.4.1.311.2.1.4' })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.5', values: [new asn1js.UTCTime({ valueDate: options.signingTime ?? new Date('2023-03-01T12:00:00Z') })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: new Uint8Array(createHash(algorithm).update(spcContent).digest()) })] }),
  ];
  const toBeSigned = Buffer.from(new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }).toBER());
  const signature = sign(algorithm, toBeSigned, KeyObject.from(signer.privateKey));
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.certificate.issuer, serialNumber: signer.certificate.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OIDS[algorithm], algorithmParams: new asn1js.Null() }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: signer.certificate.subjectPublicKeyInfo.algorithm.algorithmId }),
    signature: new asn1js.OctetString({ valueHex: new Uint8Array(signature) }),
  });
  const signed = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OIDS[algorithm], algorithmParams: new asn1js.Null() })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '1.3.6.1.4.1.311.2.1.4', eContent: spc as unknown as asn1js.OctetString }),
    certificates: [signer.certificate, ...(options.chain ?? []).map((c) => c.certificate)],
    signerInfos: [signerInfo],
  });
  const pkcs7 = Buffer.from(new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.2', content: signed.toSchema(true) }).toSchema().toBER());
  const padding = options.padding ?? Buffer.alloc(0);
  const declared = 8 + pkcs7.length + padding.length;
  const length = (declared + 7) & ~7;
  const entry = Buffer.alloc(length);
  entry.writeUInt32LE(length, 0);
  entry.writeUInt16LE(0x0200, 4);
  entry.writeUInt16LE(0x0002, 6);
  pkcs7.copy(entry, 8);
  padding.copy(entry, 8 + pkcs7.length);
  const out = Buffer.concat([image, entry]);
  const { certDirectory } = peOffsets(out);
  out.writeUInt32LE(image.length, certDirectory);
  out.writeUInt32LE(length, certDirectory + 4);
  return out;
}
