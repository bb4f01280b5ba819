/**
 * Lets pending I/O run before going on. Awaiting a query on the synchronous SQLite driver resolves
 * as a microtask, so a loop of them would otherwise hold every socket until it ends.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
