import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import { rawBody, rawUploadRoutes } from '../../platform/http/uploads.js';
import { invalidField } from '../../platform/errors.js';
import {
  CatalogSchema,
  ControlDetailSchema,
  ControlLabelParams,
  ControlSchema,
  FamilySchema,
  ImportQuery,
  ImportResultSchema,
  ListControlsQuery,
  ProfileSchema,
} from './controls.schemas.js';
import type { ControlService } from './controls.service.js';

export function controlRoutes(app: App, controls: ControlService, options: { maxUploadBytes: number }): void {
  const tags = ['controls'];
  const read = { permission: 'read' as const };

  // Catalogs are published as one JSON document of several MB (SP 800-53 rev5: 3 MB).
  rawUploadRoutes(app, options.maxUploadBytes, (scope) => {
    scope.post('/api/v1/controls/import', {
      config: { permission: 'settings:write' },
      bodyLimit: options.maxUploadBytes,
      schema: {
        tags,
        summary: 'Import an OSCAL 1.x catalog or profile (JSON)',
        description: [
          'A catalog (e.g. NIST SP 800-53 rev5) stores its controls and enhancements: label (SR-4(3)), OSCAL id, title, family, parent, statement text and props. Importing a catalog with the same uuid again updates it in place; controls it no longer holds are removed.',
          "A profile (e.g. the LOW/MODERATE/HIGH baselines, or Thirdwatch's C-SCRM baseline in content/oscal) is resolved against imported catalogs: each import's href (a back-matter resource, a file name or urn:uuid) is matched to an imported catalog by uuid, file name (see name) or title; include-all, include-controls and exclude-controls by id or pattern, with-child-controls; props added by modify/alters are kept per control.",
          'Nothing is stored when the document is not an OSCAL 1.x catalog or profile, has a value of the wrong type, nests too deep, or is a profile that imports a catalog not imported yet or selects an id the catalog lacks: a 400 names the JSON pointer. Answers 201 for a new catalog or profile, 200 for an update.',
        ].join('\n\n'),
        querystring: ImportQuery,
        response: { 200: ImportResultSchema, 201: ImportResultSchema },
      },
    }, async (request, reply) => {
      const body = rawBody(request.body);
      if (!body.length) throw invalidField('/', 'send the OSCAL document as the request body');
      const result = await controls.import(body, { sourceName: request.query.name }, request.ctx);
      return reply.code(result.created ? 201 : 200).send(result);
    });
  });

  app.get('/api/v1/controls', {
    config: read,
    schema: {
      tags,
      summary: 'Controls of the imported catalogs, in catalog order: search, filter by family or profile',
      description: 'q matches the label, title or statement case-insensitively (the same on SQLite and PostgreSQL); withdrawn controls are left out unless withdrawn=true.',
      querystring: ListControlsQuery,
      response: { 200: Page(ControlSchema) },
    },
  }, async (request) => controls.list(request.query));

  app.get('/api/v1/controls/profiles', {
    config: read,
    schema: { tags, summary: 'Imported profiles with the number of controls each selects', response: { 200: Type.Object({ items: Type.Array(ProfileSchema) }) } },
  }, async () => ({ items: await controls.profiles() }));

  app.get('/api/v1/controls/catalogs', {
    config: read,
    schema: { tags, summary: 'Imported catalogs', response: { 200: Type.Object({ items: Type.Array(CatalogSchema) }) } },
  }, async () => ({ items: await controls.catalogs() }));

  app.get('/api/v1/controls/families', {
    config: read,
    schema: { tags, summary: 'Control families with their number of (not withdrawn) controls', response: { 200: Type.Object({ items: Type.Array(FamilySchema) }) } },
  }, async () => ({ items: await controls.families() }));

  app.get('/api/v1/controls/:label', {
    config: read,
    schema: {
      tags,
      summary: 'A control by label (SR-4(3), any case) or OSCAL id (sr-4.3): statement, props, profiles, enhancements',
      params: ControlLabelParams,
      response: { 200: ControlDetailSchema },
    },
  }, async (request) => controls.get(request.params.label));
}
