import { httpTarget } from './http.js';
import { mentionsTarget } from './mentions.js';
import { parserTargets } from './parsers.js';
import type { Target } from './target.js';

/** Every fuzz target, parsers first; names are what `npm run fuzz -- <name>` selects. */
export function allTargets(): Target<unknown>[] {
  return [...parserTargets(), mentionsTarget(), httpTarget()] as Target<unknown>[];
}
