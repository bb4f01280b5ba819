import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { StreamedAuthenticode } from './hashing.js';
import { authenticodeDigest, looksLikePe, parsePe, PeFormatError, type ByteSource, type PeImage } from './pe.js';

/** The signer as the certificate names it; thumbprints are the SHA-1 (as Windows shows it) and SHA-256 of the certificate. */
export interface Signer {
  subject: string;
  issuer: string;
  /** Serial number, lower-case hex without leading zeros. */
  serial: string;
  thumbprint: string;
  thumbprintSha256: string;
  notBefore: string;
  notAfter: string;
}

/**
 * What the artifact's Authenticode signature says. `status`: valid (the signature verifies with the
 * signer's key and the signed digest equals the file's Authenticode digest), invalid (either does
 * not), unsigned (a PE image without a signature), malformed (a PE image or signature that cannot
 * be read), not-pe. The certificate chain is not evaluated against a Windows root store.
 */
export interface ArtifactSignature {
  kind: 'authenticode' | 'none';
  status: 'valid' | 'invalid' | 'unsigned' | 'malformed' | 'not-pe';
  peFormat: 'PE32' | 'PE32+' | null;
  signer: Signer | null;
  signingTime: string | null;
  digestAlgorithm: string | null;
  signedDigest: string | null;
  computedDigest: string | null;
  digestMatches: boolean | null;
  signatureVerifies: boolean | null;
  /** Bytes inside the WIN_CERTIFICATE after the PKCS#7 blob beyond the 8-byte alignment (CVE-2013-3900). */
  padding: { bytes: number; nonZero: boolean; suspicious: boolean };
  /** Bytes after the certificate table, which must end the file. */
  bytesAfterCertTable: number;
  certificates: number;
  problems: string[];
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  spcIndirectData: '1.3.6.1.4.1.311.2.1.4',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  counterSignature: '1.2.840.113549.1.9.6',
  msTimestamp: '1.3.6.1.4.1.311.3.3.1',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
};

/** Digest algorithm OIDs to Node hash names. */
const DIGESTS: Record<string, string> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export class SignatureFormatError extends Error {}

function emptySignature(status: ArtifactSignature['status'], kind: ArtifactSignature['kind']): ArtifactSignature {
  return {
    kind,
    status,
    peFormat: null,
    signer: null,
    signingTime: null,
    digestAlgorithm: null,
    signedDigest: null,
    computedDigest: null,
    digestMatches: null,
    signatureVerifies: null,
    padding: { bytes: 0, nonZero: false, suspicious: false },
    bytesAfterCertTable: 0,
    certificates: 0,
    problems: [],
  };
}

/**
 * Analyses an artifact's Authenticode signature. Never throws for bad input: a file that is not
 * a PE image is not-pe; one that starts like a PE image but cannot be read is malformed, with the
 * reason in `problems`. With `requirePe`, a file that is not a PE image is reported as malformed.
 * `streamed` is the Authenticode digest computed while the file was hashed: used when it was
 * computed over the layout found here, with the algorithm the signature names, instead of reading
 * the whole file again.
 */
export async function analyseSignature(source: ByteSource, options: { requirePe?: boolean; streamed?: StreamedAuthenticode | null } = {}): Promise<ArtifactSignature> {
  if (!(await looksLikePe(source))) {
    const result = emptySignature(options.requirePe ? 'malformed' : 'not-pe', 'none');
    if (options.requirePe) result.problems.push('not a PE file: no MZ header');
    return result;
  }
  let image: PeImage;
  try {
    image = await parsePe(source);
  } catch (error) {
    if (!(error instanceof PeFormatError)) throw error;
    const result = emptySignature('malformed', 'authenticode');
    result.problems.push(error.message);
    return result;
  }
  const result = emptySignature('unsigned', 'authenticode');
  result.peFormat = image.format;
  result.bytesAfterCertTable = image.bytesAfterCertTable;
  result.certificates = image.certificates.length;
  const entry = image.certificates.find((c) => c.pkcs7);
  if (!entry?.pkcs7) {
    if (image.certificates.length) {
      result.status = 'malformed';
      result.problems.push('the certificate table holds no PKCS#7 signed data');
    }
    return result;
  }
  const trailing = entry.trailingBytes;
  // Entries are padded to 8 bytes with zeros; anything more, or anything not zero, was put there.
  result.padding = { bytes: trailing, nonZero: entry.trailingNonZero, suspicious: trailing >= 8 || entry.trailingNonZero };
  if (image.bytesAfterCertTable) result.problems.push(`${image.bytesAfterCertTable} bytes follow the certificate table`);
  try {
    await verifyPkcs7(entry.pkcs7, source, image, result, options.streamed ?? null);
  } catch (error) {
    // Hostile bytes can trip the ASN.1 and X.509 readers anywhere: whatever they throw, the signature is unreadable.
    result.status = 'malformed';
    result.problems.push(error instanceof SignatureFormatError ? error.message : `the signature cannot be read: ${(error as Error).message ?? String(error)}`);
  }
  return result;
}

/** Parses DER into an asn1js block, or fails with the reason. */
function fromDer(bytes: Uint8Array, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.result.error) throw new SignatureFormatError(`${what}: not valid DER (${parsed.result.error || 'unreadable'})`);
  return parsed.result;
}

/** The content octets of a DER element (what follows its tag and length). */
function contentOctets(der: Uint8Array): Buffer {
  const bytes = Buffer.from(der);
  const first = bytes[1];
  const header = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return bytes.subarray(header);
}

function hex(view: ArrayBuffer | Uint8Array): string {
  return Buffer.from(view instanceof Uint8Array ? view : new Uint8Array(view)).toString('hex');
}

/** A serial number as lower-case hex without leading zeros (how both sides are compared and stored). */
export function normaliseSerial(serial: string): string {
  return serial.toLowerCase().replace(/^0+(?=.)/, '');
}

function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SignatureFormatError) throw error;
    throw new SignatureFormatError(`${what}: ${(error as Error).message || String(error)}`);
  }
}

async function verifyPkcs7(der: Buffer, source: ByteSource, image: PeImage, result: ArtifactSignature, streamed: StreamedAuthenticode | null): Promise<void> {
  const contentInfo = guard('PKCS#7 ContentInfo', () => new pkijs.ContentInfo({ schema: fromDer(der, 'PKCS#7 ContentInfo') }));
  if (contentInfo.contentType !== OID.signedData) throw new SignatureFormatError(`PKCS#7 content type ${contentInfo.contentType} is not SignedData`);
  const signed = guard('PKCS#7 SignedData', () => new pkijs.SignedData({ schema: contentInfo.content }));
  if (signed.encapContentInfo.eContentType !== OID.spcIndirectData) throw new SignatureFormatError(`signed content ${signed.encapContentInfo.eContentType} is not SpcIndirectDataContent`);
  const eContent = signed.encapContentInfo.eContent;
  if (!eContent) throw new SignatureFormatError('SignedData carries no SpcIndirectDataContent');
  const spcDer = new Uint8Array(eContent.valueBeforeDecodeView);
  const spc = fromDer(spcDer, 'SpcIndirectDataContent');
  const digestInfo = guard('SpcIndirectDataContent', () => {
    const info = (spc as asn1js.Sequence).valueBlock.value[1] as asn1js.Sequence;
    const algorithm = new pkijs.AlgorithmIdentifier({ schema: info.valueBlock.value[0] });
    const digest = info.valueBlock.value[1] as asn1js.OctetString;
    if (!(digest instanceof asn1js.OctetString)) throw new SignatureFormatError('SpcIndirectDataContent: the digest is not an OCTET STRING');
    return { algorithm: algorithm.algorithmId, digest: hex(digest.valueBlock.valueHexView) };
  });
  const algorithm = DIGESTS[digestInfo.algorithm];
  if (!algorithm) throw new SignatureFormatError(`unsupported Authenticode digest algorithm ${digestInfo.algorithm}`);
  result.digestAlgorithm = algorithm;
  result.signedDigest = digestInfo.digest;
  result.computedDigest = streamedDigest(streamed, image, source.size, algorithm) ?? (await authenticodeDigest(source, image, algorithm));
  result.digestMatches = result.computedDigest === result.signedDigest;

  const signerInfo = signed.signerInfos[0];
  if (!signerInfo) throw new SignatureFormatError('SignedData has no SignerInfo');
  const certificates = guard('SignedData certificates', () =>
    (signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate).map((c) => new X509Certificate(Buffer.from(c.toSchema().toBER()))),
  );
  const sid = signerInfo.sid as pkijs.IssuerAndSerialNumber;
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) throw new SignatureFormatError('SignerInfo identifies its signer by key identifier, which Authenticode does not use');
  const serial = normaliseSerial(hex(sid.serialNumber.valueBlock.valueHexView));
  const certificate = certificates.find((c) => normaliseSerial(c.serialNumber) === serial);
  if (!certificate) throw new SignatureFormatError(`the signer's certificate (serial ${serial}) is not in the signature`);
  result.signer = {
    subject: certificate.subject.split('\n').join(', '),
    issuer: certificate.issuer.split('\n').join(', '),
    serial,
    thumbprint: certificate.fingerprint.replaceAll(':', '').toLowerCase(),
    thumbprintSha256: certificate.fingerprint256.replaceAll(':', '').toLowerCase(),
    notBefore: isoOrRaw(certificate.validFrom),
    notAfter: isoOrRaw(certificate.validTo),
  };

  const signerDigest = DIGESTS[signerInfo.digestAlgorithm.algorithmId];
  if (!signerDigest) throw new SignatureFormatError(`unsupported signer digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
  const attributes = signerInfo.signedAttrs;
  if (!attributes) throw new SignatureFormatError('SignerInfo has no signed attributes');
  const messageDigest = attributes.attributes.find((a) => a.type === OID.messageDigest)?.values[0];
  if (!(messageDigest instanceof asn1js.OctetString)) throw new SignatureFormatError('the signed attributes hold no messageDigest');
  const contentDigest = createHash(signerDigest).update(contentOctets(spcDer)).digest('hex');
  // The signature covers the DER of the signed attributes as a SET (the [0] IMPLICIT tag replaced).
  const signedBytes = Buffer.from(attributes.encodedValue);
  signedBytes[0] = 0x31;
  let verifies: boolean;
  try {
    verifies = verifySignature(signerDigest, signedBytes, certificate.publicKey, Buffer.from(signerInfo.signature.valueBlock.valueHexView));
  } catch {
    verifies = false;
  }
  result.signatureVerifies = verifies && contentDigest === hex(messageDigest.valueBlock.valueHexView);
  if (!verifies) result.problems.push('the signature does not verify with the signer certificate\'s key');
  else if (!result.signatureVerifies) result.problems.push('the signed messageDigest does not match the SpcIndirectDataContent');
  if (!result.digestMatches) result.problems.push(`the file's Authenticode ${algorithm} digest ${result.computedDigest} differs from the signed one ${result.signedDigest}`);
  result.signingTime = signingTime(signerInfo);
  result.status = result.signatureVerifies && result.digestMatches ? 'valid' : 'invalid';
}

/** The streamed digest, when it was computed over this file's size and layout with this algorithm. */
function streamedDigest(streamed: StreamedAuthenticode | null, image: PeImage, size: number, algorithm: string): string | null {
  if (!streamed || streamed.algorithm !== algorithm || streamed.size !== size) return null;
  const { layout } = streamed;
  const same =
    layout.checksumOffset === image.checksumOffset &&
    layout.certDirectoryOffset === image.certDirectoryOffset &&
    layout.certTable.offset === image.certTable.offset &&
    layout.certTable.size === image.certTable.size;
  return same ? streamed.digest : null;
}

/** A certificate date as ISO 8601, or as the certificate spells it when it is no valid date. */
function isoOrRaw(text: string): string {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}

function timeOf(value: unknown): string | null {
  if (value instanceof asn1js.UTCTime || value instanceof asn1js.GeneralizedTime) {
    const date = value.toDate();
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  return null;
}

/** The signing time: the signed attribute, else a counter-signature's, else an RFC 3161 timestamp's genTime. */
function signingTime(signerInfo: pkijs.SignerInfo): string | null {
  const own = signerInfo.signedAttrs?.attributes.find((a) => a.type === OID.signingTime);
  if (own) return timeOf(own.values[0]);
  for (const attribute of signerInfo.unsignedAttrs?.attributes ?? []) {
    try {
      if (attribute.type === OID.counterSignature) {
        const counter = new pkijs.SignerInfo({ schema: attribute.values[0] });
        const time = counter.signedAttrs?.attributes.find((a) => a.type === OID.signingTime);
        if (time) return timeOf(time.values[0]);
      }
      if (attribute.type === OID.msTimestamp) {
        const token = new pkijs.SignedData({ schema: new pkijs.ContentInfo({ schema: attribute.values[0] }).content });
        const content = token.encapContentInfo.eContent;
        if (token.encapContentInfo.eContentType === OID.tstInfo && content instanceof asn1js.OctetString) {
          const info = new pkijs.TSTInfo({ schema: fromDer(new Uint8Array(content.getValue()), 'TSTInfo') });
          return info.genTime.toISOString();
        }
      }
    } catch {
      // An unreadable timestamp leaves the signing time unknown; the signature itself was checked.
    }
  }
  return null;
}
