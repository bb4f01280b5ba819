import { Type } from 'typebox';
import { decodeCursor, encodeCursor, Page } from '../../platform/http/pagination.js';
import type { App } from '../../platform/http/server.js';
import { decodeUtf8 } from '../../platform/text.js';
import { EXPRESSION_LIMITS, EXPRESSION_ROOTS } from './playbooks.expression.js';
import { MAX_YAML_BYTES, PlaybookSchema } from './playbooks.model.js';
import {
  CheckBody,
  CheckSchema,
  DiffQuery,
  DiffSchema,
  ListRunsQuery,
  PlaybookDetailSchema,
  PlaybookIdParams,
  PlaybookListSchema,
  RunIdParams,
  RunSchema,
  SaveBody,
  VersionListSchema,
  VersionQuery,
} from './playbooks.schemas.js';
import type { PlaybookService } from './playbooks.service.js';

const LANGUAGE = `Conditions (when, until, branches) use the playbook expression language: literals ('text', 12, true, null, ['a', 'b']), paths under ${EXPRESSION_ROOTS.join(', ')} (incident.severity, vendor.tier, incident.impact.dataCategories, indicators.types, answer.approved), == != < <= > >= in, not in, not, and, or, and contains(list or text, x), len(x), lower(text). No loops and no code: at most ${EXPRESSION_LIMITS.maxLength} characters, ${EXPRESSION_LIMITS.maxNodes} parts and ${EXPRESSION_LIMITS.maxSteps} evaluation steps. Text fields take {{incident.title}}-style placeholders.`;

type Save = { yaml: string; baseVersion?: number } | string;
const saved = (body: Save) => (typeof body === 'string' ? { yaml: body } : body);

export function playbookRoutes(app: App, playbooks: PlaybookService): void {
  const tags = ['playbooks'];
  const read = { permission: 'read' as const };
  const write = { permission: 'playbooks:write' as const };

  void app.register(async (instance) => {
    const scope = instance as unknown as App;
    // The YAML itself is a body too (curl --data-binary @playbook.yaml -H 'content-type: text/yaml').
    scope.addContentTypeParser(['text/yaml', 'application/yaml', 'application/x-yaml'], { parseAs: 'buffer', bodyLimit: MAX_YAML_BYTES + 1024 }, (_request, body, done) => {
      try {
        done(null, decodeUtf8(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    });

    scope.get('/api/v1/playbooks/schema', {
      config: read,
      schema: { tags, summary: 'The JSON Schema of a playbook document (what the editor validates against)', description: LANGUAGE, response: { 200: Type.Unknown() } },
    }, async () => PlaybookSchema);

    scope.get('/api/v1/playbooks', {
      config: read,
      schema: { tags, summary: 'Playbooks at their current version, by name', response: { 200: PlaybookListSchema } },
    }, async () => ({ items: await playbooks.list() }));

    scope.post('/api/v1/playbooks', {
      config: write,
      schema: {
        tags,
        summary: 'Create a playbook (version 1) from YAML',
        description: `Body: { "yaml": "..." }, or the YAML with Content-Type text/yaml. A playbook that is not valid is refused with one problem per error, each with its path (/steps/3/when) and YAML line. ${LANGUAGE}`,
        body: SaveBody,
        response: { 201: PlaybookDetailSchema },
      },
    }, async (request, reply) => reply.code(201).send(await playbooks.create(saved(request.body).yaml, request.ctx)));

    scope.post('/api/v1/playbooks/validate', {
      config: read,
      schema: { tags, summary: 'Check a playbook without saving it: valid, or the problems with their paths', body: CheckBody, response: { 200: CheckSchema } },
    }, async (request) => {
      const checked = await playbooks.check(saved(request.body).yaml);
      return checked.ok ? { valid: true, problems: [], document: checked.document } : { valid: false, problems: checked.problems };
    });

    scope.get('/api/v1/playbooks/:id', {
      config: read,
      schema: { tags, summary: 'A playbook at its current version (or ?version=N), with its YAML and version history', params: PlaybookIdParams, querystring: VersionQuery, response: { 200: PlaybookDetailSchema } },
    }, async (request) => playbooks.get(request.params.id, request.query.version));

    scope.put('/api/v1/playbooks/:id', {
      config: write,
      schema: {
        tags,
        summary: 'Save YAML as the next version (runs keep the version they started with)',
        description: 'Unchanged YAML writes no version. Give baseVersion to be told (409) when someone saved a newer version since you loaded it.',
        params: PlaybookIdParams,
        body: SaveBody,
        response: { 200: PlaybookDetailSchema },
      },
    }, async (request) => playbooks.update(request.params.id, saved(request.body), request.ctx));

    scope.post('/api/v1/playbooks/:id/enable', {
      config: write,
      schema: { tags, summary: 'Enable a playbook: its trigger starts it on matching incidents', params: PlaybookIdParams, response: { 200: PlaybookDetailSchema } },
    }, async (request) => playbooks.setEnabled(request.params.id, true, request.ctx));

    scope.post('/api/v1/playbooks/:id/disable', {
      config: write,
      schema: { tags, summary: 'Disable a playbook: nothing starts it any more (runs under way go on; drills can still run it)', params: PlaybookIdParams, response: { 200: PlaybookDetailSchema } },
    }, async (request) => playbooks.setEnabled(request.params.id, false, request.ctx));

    scope.get('/api/v1/playbooks/:id/versions', {
      config: read,
      schema: { tags, summary: 'Every version of a playbook, newest first', params: PlaybookIdParams, response: { 200: VersionListSchema } },
    }, async (request) => ({ items: await playbooks.versions(request.params.id) }));

    scope.get('/api/v1/playbooks/:id/diff', {
      config: read,
      schema: { tags, summary: 'Unified line diff of the YAML between two versions (default: the previous and the current one)', params: PlaybookIdParams, querystring: DiffQuery, response: { 200: DiffSchema } },
    }, async (request) => playbooks.diff(request.params.id, request.query));

    scope.get('/api/v1/playbook-runs', {
      config: read,
      schema: { tags, summary: 'Playbook runs, newest first, with their steps; filter by incident, drill, playbook, status', querystring: ListRunsQuery, response: { 200: Page(RunSchema) } },
    }, async (request) => {
      const { cursor, ...query } = request.query;
      const position = decodeCursor(cursor);
      const page = await playbooks.listRuns({ ...query, cursor: position?.id });
      return { items: page.items, nextCursor: page.nextCursor ? encodeCursor({ key: null, id: page.nextCursor }) : null };
    });

    scope.get('/api/v1/playbook-runs/:id', {
      config: read,
      schema: { tags, summary: 'A playbook run: status, the version it runs, and each step with its status, timings, output and error', params: RunIdParams, response: { 200: RunSchema } },
    }, async (request) => playbooks.getRun(request.params.id));
  });
}
