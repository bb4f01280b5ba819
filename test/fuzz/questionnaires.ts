// Fuzz target for questionnaire template import: exported templates, mutated, posted to the real
// import route (real HTTP server on an ephemeral port, real SQLite). Contracts: the answer is 201 or a 4xx problem+json;
// a refused import saves nothing; an accepted one exports back the very sections it was given
// (same values; the key order is the response schema's).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadConfig } from '../../src/app/config.js';
import { buildHttp, openThirdwatch } from '../../src/app/thirdwatch.js';
import { canonicalJson } from '../../src/platform/audit/audit.js';
import { systemContext } from '../../src/platform/context.js';
import { createLogger } from '../../src/platform/logger.js';
import { SHIPPED_TEMPLATES } from '../../src/modules/questionnaires/questionnaires.shipped.js';
import { jsonDocument, type FuzzBytes } from './mutate.js';
import { Crash, type Session, type Target } from './target.js';

function seeds(): unknown[] {
  const exports = SHIPPED_TEMPLATES.map((t) => ({ format: 'thirdwatch-questionnaire', formatVersion: 1, key: t.key, name: t.name, description: t.description, version: 1, sections: t.sections }));
  // Small ones too, so structural mutations reach the question fields often.
  const small = exports.map((e) => ({ ...e, sections: e.sections.slice(0, 2).map((s) => ({ ...s, questions: s.questions.slice(0, 3) })) }));
  return [...small, ...exports];
}

async function open(): Promise<Session<FuzzBytes>> {
  const dir = mkdtempSync(join(tmpdir(), 'thirdwatch-fuzz-'));
  const config = loadConfig({ THIRDWATCH_DATABASE_URL: `sqlite://${join(dir, 'fuzz.db')}`, THIRDWATCH_DATA_DIR: dir, THIRDWATCH_LOG_LEVEL: 'silent' });
  const tw = await openThirdwatch(config, createLogger('silent'));
  const { app } = await buildHttp(tw, { webRoot: '/nonexistent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/assessments/templates`;
  const { token } = await tw.services.access.createToken({ name: 'fuzz', role: 'admin' }, systemContext('fuzz'));
  const authorization = `Bearer ${token}`;
  const count = async () => (await tw.services.questionnaires.list()).length;
  return {
    async check(input) {
      const before = await count();
      // The bytes sent (a string's unpaired surrogates become U+FFFD here, as in any UTF-8 client).
      const payload = Buffer.from(input);
      const res = await fetch(`${url}/import`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: payload });
      const body = await res.text();
      if (res.status === 201) {
        const created = JSON.parse(body) as { id: string };
        const exported = (await (await fetch(`${url}/${created.id}/export`, { headers: { authorization } })).json()) as { sections: unknown };
        const given = canonicalJson((JSON.parse(payload.toString()) as { sections: unknown }).sections);
        if (canonicalJson(exported.sections) !== given) throw new Crash('an imported template does not export the sections it was given');
        return;
      }
      if (res.status < 400 || res.status >= 500) throw new Crash(`import answered ${res.status}: ${body.slice(0, 300)}`);
      if (!(res.headers.get('content-type') ?? '').startsWith('application/problem+json')) throw new Crash(`a ${res.status} that is not problem+json`);
      if ((await count()) !== before) throw new Crash(`a refused import (${res.status}) saved a template`);
    },
    async close() {
      await app.close();
      await tw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function templateImportTarget(): Target<FuzzBytes> {
  return { name: 'template-import', kind: 'parser', inputs: async () => jsonDocument(seeds(), 5, 2) as fc.Arbitrary<FuzzBytes>, open };
}
