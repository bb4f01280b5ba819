import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import type { DB } from '../../platform/db/schema.js';
import { invalidField } from '../../platform/errors.js';
import { IngestRepository } from './ingest.repository.js';
import type { EgressIngestService, StreamReport } from './ingest.service.js';
import { lineParser, maxLineBytes, readLines, type IngestFormat } from './parsers/index.js';

/** The bytes of a file's start that identify it: a rotated log starts differently. */
const HEAD_BYTES = 1024;

export interface FileReport extends StreamReport {
  path: string;
  format: IngestFormat;
  /** Byte offset this run started from (0: from the start). */
  resumedFrom: number;
  /** Why it started over when an earlier run had read this path: 'rotated' or 'truncated'. */
  restarted: 'rotated' | 'truncated' | null;
  size: number;
}

async function headHash(path: string, length: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex');
  } finally {
    await handle.close();
  }
}

/**
 * Ingests a log file, continuing where the last run on the same path stopped: the offset after
 * the last stored batch is saved in that batch's transaction, so a run that dies loses nothing
 * and stores nothing twice. A file shorter than the saved offset (truncated) or whose first bytes
 * changed (rotated) is read from the start.
 */
export async function ingestFile(
  db: Kysely<DB>,
  service: EgressIngestService,
  file: string,
  format: IngestFormat,
  ctx: RequestContext,
  onProgress?: (done: number, total: number) => void,
): Promise<FileReport> {
  const path = resolve(file);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw invalidField('path', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!info.isFile()) throw invalidField('path', `${path} is not a file`);
  const repository = new IngestRepository(db);
  const saved = await repository.offset(path);
  let start = 0;
  let firstLine = 1;
  let restarted: FileReport['restarted'] = null;
  if (saved && saved.format === format) {
    const savedOffset = Number(saved.offset);
    if (info.size < savedOffset) restarted = 'truncated';
    else if ((await headHash(path, saved.head_length)) !== saved.head_hash) restarted = 'rotated';
    else {
      start = savedOffset;
      firstLine = saved.line + 1;
    }
  }
  const headLength = Math.min(HEAD_BYTES, info.size);
  const head = await headHash(path, headLength);
  const parser = lineParser(format, path);
  if (format === 'zeek' && start > 0) {
    // The #separator/#fields headers that say how to read the rest are before the resume point.
    for await (const line of readLines(createReadStream(path, { start: 0, end: start - 1 }), { maxBytes: maxLineBytes(format) })) {
      if (line.text.startsWith('#')) parser.parse(line.text);
    }
  }
  const report = await service.ingestLines(readLines(createReadStream(path, { start }), { maxBytes: maxLineBytes(format), offset: start, firstLine }), parser, ctx, {
    afterBatch: (trx, position) =>
      new IngestRepository(trx).saveOffset({ path, format, offset: position.offset, line: position.line, head_length: headLength, head_hash: head, updated_at: new Date().toISOString() }),
    onProgress: onProgress ? (position) => onProgress(position.offset, Math.max(info.size, position.offset)) : undefined,
  });
  await service.recordIngestion(ctx, { via: 'cli', path, format, accepted: report.accepted, rejected: report.rejectedCount });
  return { ...report, lines: report.lines || firstLine - 1, offset: report.offset || start, path, format, resumedFrom: start, restarted, size: info.size };
}
