// A second minimising pass after fast-check's shrinking. Inputs here are mutated real documents, and
// shrinking the mutation steps still leaves the whole seed document around the defect: this pass
// deletes JSON members and then text chunks for as long as the same defect still shows, so a kept
// crasher is a few bytes of our own rather than a copy of the shared test data.

export type StillFails = (candidate: unknown) => Promise<boolean>;

export async function minimise(input: unknown, stillFails: StillFails, maxAttempts: number): Promise<unknown> {
  const budget = { left: maxAttempts };
  const attempt = async (candidate: unknown) => budget.left-- > 0 && (await stillFails(candidate));
  return reduce(input, attempt);
}

async function reduce(input: unknown, attempt: StillFails): Promise<unknown> {
  if (typeof input === 'string') return reduceString(input, attempt);
  if (input instanceof Uint8Array) return reduceBytes(input, attempt);
  if (Array.isArray(input)) {
    const out = [...input];
    for (let i = 0; i < out.length; i++) {
      out[i] = await reduce(out[i], (c) => attempt(out.map((v, j) => (j === i ? c : v))));
    }
    return out;
  }
  if (typeof input === 'object' && input !== null) {
    const out = { ...(input as Record<string, unknown>) };
    for (const key of Object.keys(out)) {
      out[key] = await reduce(out[key], (c) => attempt({ ...out, [key]: c }));
    }
    return out;
  }
  return input;
}

async function reduceString(text: string, attempt: StillFails): Promise<string> {
  let out = text;
  const parsed = tryJson(out);
  if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null) {
    const tree = await reduceTree(parsed.value, (value) => attempt(JSON.stringify(value)));
    const compact = JSON.stringify(tree);
    if (compact.length < out.length && (await attempt(compact))) out = compact;
  }
  return chunks(out, (s) => attempt(s), (s, start, end) => s.slice(0, start) + s.slice(end), (s) => s.length);
}

async function reduceBytes(bytes: Uint8Array, attempt: StillFails): Promise<Uint8Array> {
  return chunks(Buffer.from(bytes), (b) => attempt(new Uint8Array(b)), (b, start, end) => Buffer.concat([b.subarray(0, start), b.subarray(end)]), (b) => b.length);
}

/** Deletes object members and array items, outermost first, keeping each deletion that still fails. */
async function reduceTree(root: unknown, attempt: (value: unknown) => Promise<boolean>): Promise<unknown> {
  let current = root;
  const visit = async (path: Array<string | number>): Promise<void> => {
    const node = at(current, path);
    if (typeof node !== 'object' || node === null) return;
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i).reverse() : Object.keys(node);
    for (const key of keys) {
      const candidate = without(current, [...path, key]);
      if (await attempt(candidate)) current = candidate;
    }
    const left = at(current, path) as Record<string, unknown> | unknown[];
    for (const key of Array.isArray(left) ? left.map((_, i) => i) : Object.keys(left)) await visit([...path, key]);
  };
  await visit([]);
  return current;
}

function at(value: unknown, path: Array<string | number>): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], value);
}

/** A copy of root with the member at path removed (copies only along the path). */
function without(root: unknown, path: Array<string | number>): unknown {
  const [key, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    if (rest.length) copy[key as number] = without(copy[key as number], rest);
    else copy.splice(key as number, 1);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  if (rest.length) copy[key as string] = without(copy[key as string], rest);
  else delete copy[key as string];
  return copy;
}

function tryJson(text: string): { ok: boolean; value?: unknown } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** ddmin-style: remove halves, then quarters, ... down to single units, keeping every removal that still fails. */
async function chunks<T>(input: T, attempt: (candidate: T) => Promise<boolean>, cut: (value: T, start: number, end: number) => T, length: (value: T) => number): Promise<T> {
  let out = input;
  for (let size = Math.max(1, Math.floor(length(out) / 2)); size >= 1; size = Math.floor(size / 2)) {
    for (let start = 0; start < length(out); ) {
      const candidate = cut(out, start, Math.min(length(out), start + size));
      if (await attempt(candidate)) out = candidate;
      else start += size;
    }
    if (size === 1) break;
  }
  return out;
}
