import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import type { IndicatorService } from './indicators.service.js';
import { SightingRiskSettingsSchema, type SightingRisks } from './sightings.hooks.js';
import { TaxiiSettingsSchema, type TaxiiService } from './taxii.service.js';
import { Type } from 'typebox';
import { checker } from '../../platform/validation.js';
import { validationError } from '../../platform/errors.js';

const checkPollBody = checker(Type.Object({ names: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })) }, { additionalProperties: false }));
import {
  IdParams,
  IndicatorDetailSchema,
  IndicatorOverviewSchema,
  IndicatorSchema,
  ListIndicatorsQuery,
  ListSightingsQuery,
  ListUnsupportedQuery,
  SightingSchema,
  UnsupportedSchema,
} from './indicators.schemas.js';

/** Indicators are imported through POST /api/v1/feeds/{stix|misp|csv-iocs}/import (advisories.routes.ts) and TAXII polling. */
export function indicatorRoutes(app: App, indicators: IndicatorService, sightingRisks: SightingRisks, taxii: TaxiiService): void {
  const read = { permission: 'read' as const };

  app.get('/api/v1/indicators', {
    config: read,
    schema: {
      tags: ['indicators'],
      summary: 'Indicators of compromise, newest first: one per type and normalised value, with every source that names it',
      description: 'Search by exact value (type=&value=, any spelling: it is refanged and normalised first), by part of a value (q=), by source, or by whether it was sighted.',
      querystring: ListIndicatorsQuery,
      response: { 200: Page(IndicatorSchema) },
    },
  }, async (request) => indicators.list(request.query));

  app.get('/api/v1/indicators/overview', {
    config: read,
    schema: { tags: ['indicators'], summary: 'Totals and the sources indicators came from', response: { 200: IndicatorOverviewSchema } },
  }, async () => indicators.overview());

  app.get('/api/v1/indicators/unsupported', {
    config: read,
    schema: {
      tags: ['indicators'],
      summary: 'STIX indicators kept but not matchable (other pattern languages, qualifiers, other properties), with the reason',
      querystring: ListUnsupportedQuery,
      response: { 200: Page(UnsupportedSchema) },
    },
  }, async (request) => indicators.unsupported(request.query));

  app.get('/api/v1/indicators/:id', {
    config: read,
    schema: { tags: ['indicators'], summary: 'An indicator with its sources and what it matched', params: IdParams, response: { 200: IndicatorDetailSchema } },
  }, async (request) => indicators.get(request.params.id));

  app.get('/api/v1/sightings', {
    config: read,
    schema: {
      tags: ['indicators'],
      summary: 'Sightings, newest first: an indicator seen in a component hash, an artifact (or a file inside it) or a vendor domain',
      querystring: ListSightingsQuery,
      response: { 200: Page(SightingSchema) },
    },
  }, async (request) => indicators.sightings(request.query));

  app.get('/api/v1/settings/sighting-risks', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'The rule by which a sighting opens a risk (one per indicator and vendor)', response: { 200: SightingRiskSettingsSchema } },
  }, async () => sightingRisks.settings());

  app.put('/api/v1/settings/sighting-risks', {
    config: { permission: 'settings:write' },
    schema: {
      tags: ['settings'],
      summary: 'Change the rule by which a sighting opens a risk',
      description: 'Applies to sightings found from now on; risks already raised stay as they are.',
      body: SightingRiskSettingsSchema,
      response: { 200: SightingRiskSettingsSchema },
    },
  }, async (request) => sightingRisks.setSettings(request.body, request.ctx));

  app.get('/api/v1/settings/taxii', {
    config: { permission: 'settings:write' },
    schema: {
      tags: ['settings'],
      summary: 'TAXII 2.1 collections polled on a schedule',
      description: 'Passwords and tokens are write-only: shown as ***; sending *** back keeps the stored one. Credentials in URLs are shown as *** too.',
      response: { 200: TaxiiSettingsSchema },
    },
  }, async () => taxii.settingsView());

  app.put('/api/v1/settings/taxii', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the TAXII collections and their schedule', body: TaxiiSettingsSchema, response: { 200: TaxiiSettingsSchema } },
  }, async (request) => taxii.setSettings(request.body, request.ctx));

  app.get('/api/v1/taxii/collections', {
    config: { permission: 'settings:write' },
    schema: {
      tags: ['indicators'],
      summary: 'Configured TAXII collections: where the last poll stopped (added_after), last success, last error and result',
      response: {
        200: Type.Array(
          Type.Object({
            name: Type.String(),
            url: Type.String(),
            enabled: Type.Boolean(),
            addedAfter: Type.Union([Type.String(), Type.Null()]),
            lastAttemptAt: Type.Union([Type.String(), Type.Null()]),
            lastSuccessAt: Type.Union([Type.String(), Type.Null()]),
            lastError: Type.Union([Type.String(), Type.Null()]),
            lastResult: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
          }),
        ),
      },
    },
  }, async () => taxii.status());

  app.post('/api/v1/taxii/poll', {
    config: { permission: 'inventory:write' },
    schema: {
      tags: ['indicators'],
      summary: 'Poll TAXII collections now (all enabled ones, or those named), in the background',
      description: 'The body is optional: { "names": ["…"] } picks collections (enabled or not).',
      response: { 202: Type.Object({ enqueued: Type.Array(Type.String()) }) },
    },
  }, async (request, reply) => {
    let names: string[] | undefined;
    if (request.body !== undefined && request.body !== null && request.body !== '') {
      const checked = checkPollBody(request.body);
      if (!checked.ok) throw validationError(`body ${checked.problems[0].field}: ${checked.problems[0].reason}`, checked.problems);
      names = checked.value.names;
    }
    return reply.status(202).send(await taxii.pollDue({ names, force: true }));
  });
}
