import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';

/** Random access to the bytes of an artifact: a file on disk, or a buffer (tests, fuzzing). */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer at the end of the source). */
  read(offset: number, length: number): Promise<Buffer>;
}

export function bufferSource(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)) };
}

export async function fileSource(path: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle: FileHandle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const want = Math.max(0, Math.min(length, size - offset));
      const buffer = Buffer.alloc(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buffer, got, want - got, offset + got);
        if (!bytesRead) break;
        got += bytesRead;
      }
      return buffer.subarray(0, got);
    },
    close: () => handle.close(),
  };
}

/** Why a file that claims to be (or looks like) a PE image cannot be read as one. */
export class PeFormatError extends Error {}

export interface WinCertificate {
  /** File offset of the WIN_CERTIFICATE structure. */
  offset: number;
  /** dwLength: header and bCertificate, as the structure declares it. */
  length: number;
  revision: number;
  type: number;
  /** The DER-encoded PKCS#7 ContentInfo at the start of bCertificate (PKCS_SIGNED_DATA only). */
  pkcs7: Buffer | null;
  /** Bytes inside dwLength after the PKCS#7 blob, and whether any of them is not zero. */
  trailingBytes: number;
  trailingNonZero: boolean;
}

export interface PeImage {
  format: 'PE32' | 'PE32+';
  machine: number;
  sections: number;
  /** File offsets of the fields the Authenticode digest skips. */
  checksumOffset: number;
  certDirectoryOffset: number;
  /** Data directory 4: a file offset and size (0, 0 when unsigned). */
  certTable: { offset: number; size: number };
  certificates: WinCertificate[];
  /** Bytes after the end of the certificate table (the table must be the last thing in the file). */
  bytesAfterCertTable: number;
}

/** Largest PKCS#7 blob read into memory; real signatures are tens of kilobytes. */
export const MAX_PKCS7_BYTES = 4 * 1024 * 1024;
const WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002;

/** True when the bytes start with the MZ signature of a DOS/PE image. */
export async function looksLikePe(source: ByteSource): Promise<boolean> {
  const head = await source.read(0, 2);
  return head.length === 2 && head[0] === 0x4d && head[1] === 0x5a;
}

/** Where the fields the Authenticode digest skips lie, as the headers say. */
export type PeLayout = Pick<PeImage, 'format' | 'machine' | 'sections' | 'checksumOffset' | 'certDirectoryOffset' | 'certTable'>;

/**
 * Reads the PE headers (DOS header, COFF header, optional header, data directory 4), checking
 * every offset against the source's size before it is used. A source holding only the first bytes
 * of a file answers for a file whose headers lie within them.
 */
export async function readPeLayout(source: ByteSource): Promise<PeLayout & { headersEnd: number }> {
  const dos = await source.read(0, 64);
  if (dos.length < 64 || dos[0] !== 0x4d || dos[1] !== 0x5a) throw new PeFormatError('not a PE file: no MZ header');
  const peOffset = dos.readUInt32LE(0x3c);
  if (peOffset + 24 > source.size) throw new PeFormatError(`not a PE file: e_lfanew (${peOffset}) points past the end of the file`);
  const coff = await source.read(peOffset, 24);
  if (coff.readUInt32LE(0) !== 0x00004550) throw new PeFormatError('not a PE file: no PE\\0\\0 signature at e_lfanew');
  const machine = coff.readUInt16LE(4);
  const sections = coff.readUInt16LE(6);
  const optionalSize = coff.readUInt16LE(20);
  const optionalOffset = peOffset + 24;
  if (optionalSize < 2 || optionalOffset + optionalSize > source.size) throw new PeFormatError('truncated PE file: the optional header runs past the end of the file');
  const optional = await source.read(optionalOffset, optionalSize);
  const magic = optional.readUInt16LE(0);
  if (magic !== 0x10b && magic !== 0x20b) throw new PeFormatError(`unknown optional header magic 0x${magic.toString(16)}`);
  const plus = magic === 0x20b;
  const countAt = plus ? 108 : 92;
  const directoriesAt = plus ? 112 : 96;
  if (optional.length < countAt + 4) throw new PeFormatError('truncated optional header: no data directory count');
  const directoryCount = optional.readUInt32LE(countAt);
  let certTable = { offset: 0, size: 0 };
  if (directoryCount > 4) {
    if (optional.length < directoriesAt + 5 * 8) throw new PeFormatError('truncated optional header: data directory 4 (certificate table) is cut off');
    certTable = { offset: optional.readUInt32LE(directoriesAt + 32), size: optional.readUInt32LE(directoriesAt + 36) };
  }
  return {
    format: plus ? 'PE32+' : 'PE32',
    machine,
    sections,
    checksumOffset: optionalOffset + 64,
    certDirectoryOffset: optionalOffset + directoriesAt + 4 * 8,
    certTable,
    headersEnd: optionalOffset + optionalSize,
  };
}

/** Reads the PE headers and the certificate table (data directory 4 → WIN_CERTIFICATE entries). */
export async function parsePe(source: ByteSource): Promise<PeImage> {
  const { headersEnd, ...layout } = await readPeLayout(source);
  const image: PeImage = { ...layout, certificates: [], bytesAfterCertTable: 0 };
  const { certTable } = image;
  if (certTable.size === 0) return image;
  if (certTable.offset < headersEnd || certTable.offset + certTable.size > source.size) {
    throw new PeFormatError(`truncated certificate table: it claims ${certTable.size} bytes at offset ${certTable.offset}, the file has ${source.size}`);
  }
  image.bytesAfterCertTable = source.size - (certTable.offset + certTable.size);
  image.certificates = await readCertificates(source, certTable);
  return image;
}

async function readCertificates(source: ByteSource, table: { offset: number; size: number }): Promise<WinCertificate[]> {
  const certificates: WinCertificate[] = [];
  let at = table.offset;
  const end = table.offset + table.size;
  while (at + 8 <= end) {
    const header = await source.read(at, 8);
    const length = header.readUInt32LE(0);
    const revision = header.readUInt16LE(4);
    const type = header.readUInt16LE(6);
    if (length < 8 || at + length > end) throw new PeFormatError(`truncated certificate table: WIN_CERTIFICATE at ${at} declares ${length} bytes, ${end - at} remain`);
    const cert: WinCertificate = { offset: at, length, revision, type, pkcs7: null, trailingBytes: 0, trailingNonZero: false };
    if (type === WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
      const head = await source.read(at + 8, Math.min(6, length - 8));
      const derLength = derElementLength(head);
      if (derLength === null) throw new PeFormatError(`WIN_CERTIFICATE at ${at}: bCertificate does not start with a DER SEQUENCE`);
      if (derLength > length - 8) throw new PeFormatError(`WIN_CERTIFICATE at ${at}: the PKCS#7 blob (${derLength} bytes) is longer than the certificate entry (${length - 8})`);
      if (derLength > MAX_PKCS7_BYTES) throw new PeFormatError(`WIN_CERTIFICATE at ${at}: a PKCS#7 blob of ${derLength} bytes is over the ${MAX_PKCS7_BYTES}-byte limit`);
      cert.pkcs7 = await source.read(at + 8, derLength);
      cert.trailingBytes = length - 8 - derLength;
      cert.trailingNonZero = await anyNonZero(source, at + 8 + derLength, cert.trailingBytes);
    }
    certificates.push(cert);
    at += (length + 7) & ~7;
  }
  return certificates;
}

async function anyNonZero(source: ByteSource, offset: number, length: number): Promise<boolean> {
  for (let done = 0; done < length; done += 1 << 20) {
    const chunk = await source.read(offset + done, Math.min(1 << 20, length - done));
    if (chunk.some((b) => b !== 0)) return true;
  }
  return false;
}

/** Total length (header and content) of the definite-length DER SEQUENCE starting the bytes, or null. */
export function derElementLength(head: Buffer): number | null {
  if (head.length < 2 || head[0] !== 0x30) return null;
  const first = head[1];
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || head.length < 2 + octets) return null;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + head[2 + i];
  return 2 + octets + length;
}

/**
 * The byte ranges the Authenticode digest leaves out, as [start, end) in file order: the checksum
 * field, the certificate table's data-directory entry and the certificate table itself. Bytes
 * appended inside the certificate table therefore leave the digest unchanged (CVE-2013-3900, the
 * 3CX d3dcompiler_47.dll).
 */
export function authenticodeSkips(layout: Pick<PeLayout, 'checksumOffset' | 'certDirectoryOffset' | 'certTable'>): Array<[number, number]> {
  const skips: Array<[number, number]> = [
    [layout.checksumOffset, layout.checksumOffset + 4],
    [layout.certDirectoryOffset, layout.certDirectoryOffset + 8],
  ];
  if (layout.certTable.size) skips.push([layout.certTable.offset, layout.certTable.offset + layout.certTable.size]);
  return skips.sort((a, b) => a[0] - b[0]);
}

/** The Authenticode digest: the file hashed without the ranges authenticodeSkips names. */
export async function authenticodeDigest(source: ByteSource, image: PeImage, algorithm: string): Promise<string> {
  const hash = createHash(algorithm);
  let at = 0;
  for (const [start, end] of authenticodeSkips(image)) {
    await hashRange(source, hash, at, start);
    at = end;
  }
  await hashRange(source, hash, at, source.size);
  return hash.digest('hex');
}

async function hashRange(source: ByteSource, hash: Hash, from: number, to: number): Promise<void> {
  for (let at = from; at < to; at += 1 << 20) hash.update(await source.read(at, Math.min(1 << 20, to - at)));
}
