// What a fuzz target is, and what counts as a crash.
import type fc from 'fast-check';
import { SbomParseError } from '../../src/modules/sboms/parsers/index.js';

export interface Session<T> {
  /** Runs one input; throws when the input found a defect (a crash or a broken contract). */
  check(input: T): unknown;
  close?(): Promise<void>;
}

export interface Target<T> {
  name: string;
  kind: 'parser' | 'http';
  /** Inputs built from seeds read at run time; only the fuzz run needs them, not the regression replay. */
  inputs(session: Session<T>): Promise<fc.Arbitrary<T>>;
  open(): Promise<Session<T>>;
}

/** A defect found by an input: an undocumented exception, a broken contract or a bad HTTP answer. */
export class Crash extends Error {
  override name = 'Crash';
}

type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * Runs `fn`; the documented error types are a clean rejection, anything else is a crash. An
 * SbomParseError carrying a foreign cause is parseSbom's wrapper around an escaped exception: a crash too.
 */
export async function expectOnly(fn: () => unknown, ...allowed: ErrorClass[]): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof Crash) throw error;
    const cause = error instanceof SbomParseError ? error.cause : undefined;
    if (cause !== undefined && !(cause instanceof SbomParseError)) throw crash(cause);
    if (allowed.some((type) => error instanceof type)) return;
    throw crash(error);
  }
}

function crash(error: unknown): Crash {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : `non-error thrown: ${String(error)}`;
  return new Crash(message.length > 500 ? `${message.slice(0, 500)}…` : message, { cause: error });
}
