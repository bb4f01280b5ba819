/** One line of a stream with where it was: the file offset after it is what a resume starts from. */
export interface Line {
  /** Decoded as UTF-8 (invalid bytes as U+FFFD), without the line break. */
  text: string;
  /** 1-based line number in the stream (counting from firstLine). */
  number: number;
  /** Byte offset just past the line and its break. */
  end: number;
  /** False for a last line without a line break: it may still be being written. */
  terminated: boolean;
  /** Longer than maxBytes: text is empty and the bytes were skipped without being held. */
  tooLong: boolean;
}

const NL = 0x0a;

/**
 * Splits a byte stream into lines with bounded memory: a line over maxBytes is skipped to its
 * end (reported with tooLong) instead of growing the buffer.
 */
export async function* readLines(chunks: AsyncIterable<Buffer | string>, options: { maxBytes: number; offset?: number; firstLine?: number }): AsyncGenerator<Line> {
  const decoder = new TextDecoder('utf-8');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow = false;
  let offset = options.offset ?? 0;
  let number = (options.firstLine ?? 1) - 1;
  const take = (terminated: boolean, extra: number): Line => {
    number++;
    const bytes = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    offset += pendingBytes + extra;
    let text = overflow ? '' : decoder.decode(bytes);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const line = { text, number, end: offset, terminated, tooLong: overflow };
    pending = [];
    pendingBytes = 0;
    overflow = false;
    return line;
  };
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(NL, from);
      const to = nl < 0 ? chunk.length : nl;
      if (overflow) {
        pendingBytes += to - from;
      } else if (pendingBytes + (to - from) > options.maxBytes) {
        overflow = true;
        pending = [];
        pendingBytes += to - from;
      } else if (to > from) {
        pending.push(chunk.subarray(from, to));
        pendingBytes += to - from;
      }
      if (nl < 0) break;
      yield take(true, 1);
      from = nl + 1;
    }
    // A partial line's piece would keep the whole chunk alive: hold a copy of just its bytes.
    if (!overflow && pending.length) pending[pending.length - 1] = Buffer.from(pending[pending.length - 1]);
  }
  if (pendingBytes > 0) yield take(false, 0);
}
