// Safe reading of zip archives from untrusted sources: entry names that would escape a directory, zip bombs
// (declared and actual inflated sizes), entry-count floods and truncation are refused. yauzl parses the
// archive structure (EOCD, zip64, central directory); entry data is read through a block cache and inflated
// synchronously with a hard output cap, which is both the bomb guard and several times faster than streams.
import { type FileHandle, open } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { FeedFormatError, describeError } from './errors.js';

export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 500_000,
  maxEntryBytes: 16 * 1024 * 1024,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
};

export type ZipItem = { name: string; data: Buffer; error?: undefined } | { name: string; error: string; data?: undefined };

const STORED = 0;
const DEFLATED = 8;
const ENCRYPTED_FLAG = 0x1;
const BLOCK_SIZE = 1024 * 1024;
const READ_AMPLIFICATION = 4;

/** Opens an archive from a path (read block by block, never whole) or from bytes. */
export async function openZip(input: string | Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<SafeZip> {
  const source = typeof input === 'string' ? await FileSource.open(input) : new BufferSource(input);
  const reader = new CachedReader(source);
  let zip: ZipFile;
  try {
    // decodeStrings off: yauzl would fail the whole archive on one bad name; names are checked per entry instead.
    zip = await yauzl.fromRandomAccessReaderPromise(reader, source.size, { lazyEntries: true, decodeStrings: false, autoClose: true });
  } catch (error) {
    await source.close();
    throw new FeedFormatError(`not a readable zip archive: ${describeError(error)}`);
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new FeedFormatError(`zip archive has ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`);
  }
  return new SafeZip(zip, reader, limits);
}

export class SafeZip {
  private inflatedTotal = 0;

  constructor(
    private readonly zip: ZipFile,
    private readonly reader: CachedReader,
    private readonly limits: ZipLimits,
  ) {}

  get entryCount(): number {
    return this.zip.entryCount;
  }

  get entriesRead(): number {
    return this.zip.entriesRead;
  }

  /** File entries one at a time (directories are skipped); a bad entry is yielded with its error. */
  async *entries(): AsyncGenerator<ZipItem, void, void> {
    try {
      for await (const entry of this.centralDirectory()) {
        const name = entryName(entry);
        if (!name.endsWith('/')) yield await this.read(name, entry);
      }
    } finally {
      this.zip.close();
    }
  }

  private async *centralDirectory(): AsyncGenerator<Entry, void, void> {
    try {
      yield* this.zip.eachEntry();
    } catch (error) {
      throw new FeedFormatError(`corrupt zip archive: ${describeError(error)}`);
    }
  }

  private async read(name: string, entry: Entry): Promise<ZipItem> {
    const problem = unsafeNameReason(name) ?? this.unreadableReason(entry);
    if (problem) return { name, error: problem };
    let data: Buffer;
    try {
      data = await this.extract(entry);
    } catch (error) {
      if (error instanceof FeedFormatError) throw error;
      return { name, error: describeError(error) };
    }
    this.inflatedTotal += data.length;
    if (this.inflatedTotal > this.limits.maxTotalBytes) {
      throw new FeedFormatError(`zip archive inflates beyond the ${this.limits.maxTotalBytes}-byte total limit`);
    }
    return { name, data };
  }

  private unreadableReason(entry: Entry): string | null {
    const limit = this.limits.maxEntryBytes;
    if (entry.uncompressedSize > limit) return `declared size ${entry.uncompressedSize} bytes exceeds the ${limit}-byte entry limit`;
    if (entry.compressedSize > limit) return `compressed size ${entry.compressedSize} bytes exceeds the ${limit}-byte entry limit`;
    if (entry.generalPurposeBitFlag & ENCRYPTED_FLAG) return 'encrypted entry';
    if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
      return `unsupported compression method ${entry.compressionMethod}`;
    }
    return null;
  }

  /** The inflated size is capped and then compared with the declared one: the sizes an archive declares can lie. */
  private async extract(entry: Entry): Promise<Buffer> {
    const { fileDataStart } = await this.zip.readLocalFileHeaderPromise(entry, { minimal: true });
    const raw = await this.reader.bytes(fileDataStart, entry.compressedSize);
    const data = entry.compressionMethod === STORED ? raw : inflateCapped(raw, this.limits.maxEntryBytes);
    if (data.length !== entry.uncompressedSize) {
      throw new Error(`inflated to ${data.length} bytes but declares ${entry.uncompressedSize}`);
    }
    return data;
  }
}

function inflateCapped(raw: Buffer, limit: number): Buffer {
  try {
    return inflateRawSync(raw, { maxOutputLength: limit });
  } catch (error) {
    if (error instanceof RangeError) throw new Error(`inflates beyond the ${limit}-byte entry limit`);
    throw new Error(`corrupt deflate data: ${describeError(error)}`);
  }
}

function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
}

/** Why a name could write outside an extraction directory, or null when it is safe. */
function unsafeNameReason(name: string): string | null {
  if (name.includes('\0')) return 'unsafe entry name: NUL byte';
  if (/^([/\\]|[A-Za-z]:)/.test(name)) return 'unsafe entry name: absolute path';
  if (name.split(/[/\\]/).includes('..')) return "unsafe entry name: '..' path segment";
  return null;
}

interface ByteSource {
  readonly size: number;
  readInto(buffer: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
}

class FileSource implements ByteSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const handle = await open(path, 'r');
    try {
      return new FileSource(handle, (await handle.stat()).size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async readInto(buffer: Buffer, position: number): Promise<number> {
    return (await this.handle.read(buffer, 0, buffer.length, position)).bytesRead;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

class BufferSource implements ByteSource {
  private readonly bytes: Buffer;

  constructor(input: Uint8Array) {
    this.bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }

  get size(): number {
    return this.bytes.length;
  }

  async readInto(buffer: Buffer, position: number): Promise<number> {
    return this.bytes.copy(buffer, 0, position, position + buffer.length);
  }

  async close(): Promise<void> {}
}

/**
 * yauzl reads the central directory in tiny pieces, alternating with each entry's local header and data far
 * away in the file; two cached blocks (one following each) turn thousands of small reads into a few large ones.
 * A well-formed archive is read about once; one whose entries jump around would make every entry cost a block,
 * so the bytes read are capped at a few times the archive's size.
 */
class CachedReader extends yauzl.RandomAccessReader {
  private blocks: Array<{ start: number; data: Buffer }> = [];
  private readBudget: number;

  constructor(private readonly source: ByteSource) {
    super();
    this.readBudget = source.size * READ_AMPLIFICATION + 8 * BLOCK_SIZE;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    this.bytes(position, length).then(
      (bytes) => callback(null, bytes.copy(buffer, offset)),
      (error: Error) => callback(error),
    );
  }

  override close(callback: (err: Error | null) => void): void {
    this.source.close().then(() => callback(null), callback);
  }

  async bytes(position: number, length: number): Promise<Buffer> {
    if (position + length > this.source.size) throw new Error('entry data runs past the end of the archive');
    if (length > BLOCK_SIZE) return this.readExact(position, length);
    let block = this.blocks.find(({ start, data }) => position >= start && position + length <= start + data.length);
    if (!block) {
      block = { start: position, data: await this.readExact(position, Math.min(BLOCK_SIZE, this.source.size - position)) };
      this.blocks = [block, ...this.blocks.slice(0, 1)];
    } else if (block !== this.blocks[0]) {
      this.blocks.reverse();
    }
    return block.data.subarray(position - block.start, position - block.start + length);
  }

  private async readExact(position: number, length: number): Promise<Buffer> {
    this.readBudget -= length;
    if (this.readBudget < 0) throw new FeedFormatError('zip archive entries are scattered or overlapping: reading it would never end');
    const buffer = Buffer.alloc(length);
    if ((await this.source.readInto(buffer, position)) !== length) throw new Error('unexpected end of archive');
    return buffer;
  }
}
