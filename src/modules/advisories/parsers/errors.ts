import type { RecordError } from './model.js';

/** One record of a feed is unusable; the rest of the feed still counts. */
export class FeedRecordError extends Error {
  override name = 'FeedRecordError';

  constructor(
    readonly record: string,
    readonly reason: string,
  ) {
    super(`${record}: ${reason}`);
  }

  toRecordError(): RecordError {
    return { record: this.record, reason: this.reason };
  }
}

/** The whole document is unusable: not JSON, wrong top-level shape, hostile archive. */
export class FeedFormatError extends Error {
  override name = 'FeedFormatError';
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs a per-record parse, turning its FeedRecordError into a RecordError for the outcome. */
export function collectRecord<T>(parse: () => T, items: T[], errors: RecordError[]): void {
  try {
    items.push(parse());
  } catch (error) {
    if (!(error instanceof FeedRecordError)) throw error;
    errors.push(error.toRecordError());
  }
}
