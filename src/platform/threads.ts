import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a module of this code base, named relative to the caller's module
 * (`moduleWorker(import.meta.url, './x.worker')`): its compiled .js file, or, when running from
 * source (tests, tsx), its .ts file with the TypeScript loader registered before it is imported.
 */
export function moduleWorker(callerUrl: string, relative: string): Worker {
  const file = new URL(`${relative}${extname(fileURLToPath(callerUrl))}`, callerUrl);
  if (!file.pathname.endsWith('.ts')) return new Worker(file);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true });
}
