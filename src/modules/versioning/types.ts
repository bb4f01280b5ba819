/** An OSV ecosystem name ('npm', 'PyPI', 'Debian', …), optionally with a ':release' suffix such as 'Debian:12'. */
export type Ecosystem = string;

export interface VersionComparator {
  readonly name: string;
  /** -1, 0 or 1. Never throws: malformed input still gets a deterministic place in the order. */
  compare(a: string, b: string): number;
  /** Whether v is well formed for this scheme; callers treat invalid versions as "cannot tell". */
  isValid(v: string): boolean;
}

export type MatchVerdict = 'affected' | 'not_affected' | 'indeterminate';
