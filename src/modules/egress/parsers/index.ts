import { basename } from 'node:path';
import type { LineParser } from './common.js';
import { jsonlParser, MAX_JSONL_LINE_BYTES } from './jsonl.js';
import { squidParser } from './squid.js';
import { ZEEK_LOGS, zeekParser, type ZeekLog } from './zeek.js';

export const INGEST_FORMATS = ['squid', 'zeek', 'jsonl'] as const;
export type IngestFormat = (typeof INGEST_FORMATS)[number];

/** Longest line read from a log (squid, zeek); JSON lines may carry a body and get more. */
export const MAX_LOG_LINE_BYTES = 64 * 1024;

export function maxLineBytes(format: IngestFormat): number {
  return format === 'jsonl' ? MAX_JSONL_LINE_BYTES : MAX_LOG_LINE_BYTES;
}

/** A parser for one stream; for Zeek the file name (http.log, dns.2026-12-07.log.json, ...) hints the log until a header says. */
export function lineParser(format: IngestFormat, fileName: string | null = null): LineParser {
  switch (format) {
    case 'squid':
      return squidParser();
    case 'jsonl':
      return jsonlParser();
    case 'zeek': {
      const name = fileName ? basename(fileName).split('.')[0] : '';
      return zeekParser((ZEEK_LOGS as readonly string[]).includes(name) ? (name as ZeekLog) : null);
    }
  }
}

export { readLines, type Line } from './lines.js';
export type { BodySample, LineOutcome, LineParser } from './common.js';
