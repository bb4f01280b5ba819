// Builds small zip archives for tests, including hostile ones (lying sizes, unsafe names).
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipFixtureEntry {
  name: string;
  data: Buffer | string;
  /** Overrides the uncompressed size written to the headers (a zip bomb that lies about its size). */
  declaredSize?: number;
  stored?: boolean;
}

/** `centralDirectory` lists entry indexes for the central directory (default: each once, in order). */
export function buildZip(entries: ZipFixtureEntry[], centralDirectory = entries.map((_, i) => i)): Buffer {
  const locals: Buffer[] = [];
  const headers: Buffer[][] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data);
    const body = entry.stored ? data : deflateRawSync(data);
    const name = Buffer.from(entry.name, 'utf8');
    const fields = { method: entry.stored ? 0 : 8, crc: crc32(data), compressed: body.length, size: entry.declaredSize ?? data.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeCommon(local, 4, fields, name.length);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    writeCommon(central, 6, fields, name.length);
    central.writeUInt32LE(offset, 42);
    headers.push([central, name]);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centralDirectory.flatMap((i) => headers[i]));
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centralDirectory.length, 8);
  end.writeUInt16LE(centralDirectory.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The fields local and central headers share, from "version needed" to "extra field length". */
function writeCommon(header: Buffer, at: number, fields: { method: number; crc: number; compressed: number; size: number }, nameLength: number): void {
  header.writeUInt16LE(20, at);
  header.writeUInt16LE(0x0800, at + 2);
  header.writeUInt16LE(fields.method, at + 4);
  header.writeUInt16LE(0, at + 6);
  header.writeUInt16LE(0x21, at + 8);
  header.writeUInt32LE(fields.crc, at + 10);
  header.writeUInt32LE(fields.compressed, at + 14);
  header.writeUInt32LE(fields.size, at + 18);
  header.writeUInt16LE(nameLength, at + 22);
}
