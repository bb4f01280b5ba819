import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { rawBody, rawUploadRoutes } from '../../platform/http/uploads.js';
import { Page } from '../../platform/http/pagination.js';
import type { AdvisoryService, ImportReport } from './advisories.service.js';
import { resultOf, type JobLauncher } from '../../platform/jobs/launcher.js';
import { JobSchema } from '../jobs/jobs.schemas.js';
import { sendAccepted } from '../jobs/jobs.routes.js';
import {
  AdvisoryDetailSchema,
  AdvisoryIdParams,
  AdvisorySchema,
  FeedKindParams,
  FeedSettingsSchema,
  FeedsOverviewSchema,
  ImportQuery,
  ImportReportSchema,
  ListAdvisoriesQuery,
} from './advisories.schemas.js';
import type { FeedService } from './feeds.service.js';
import { MIN_CONFIDENCE } from '../mentions/mentions.matcher.js';
import { validationError } from '../../platform/errors.js';
import { checker } from '../../platform/validation.js';

const checkSyncBody = checker(Type.Object({ names: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })) }, { additionalProperties: false }));

export function advisoryRoutes(app: App, advisories: AdvisoryService, feeds: FeedService, launcher: JobLauncher, options: { maxUploadBytes: number }): void {
  const read = { permission: 'read' as const };
  const write = { permission: 'inventory:write' as const };

  // Feed documents arrive as published: JSON, YAML, CSV, gzip or an OSV zip.
  rawUploadRoutes(app, options.maxUploadBytes, (scope) => {
    scope.post('/api/v1/feeds/:kind/import', {
      config: write,
      bodyLimit: options.maxUploadBytes,
      schema: {
        tags: ['feeds'],
        summary: 'Import a feed document: advisories, KEV, EPSS, VEX, or threat intel (STIX, MISP, CSV IOC lists)',
        description: [
          `kind is one of ${feeds.kinds().join(', ')}. The body is the document as published: OSV JSON/YAML (one record, an array, or an all.zip archive), the CISA KEV JSON catalog, a FIRST EPSS CSV (optionally gzipped), a CSAF 2.0 document (advisories and VEX profile), an OpenVEX or a CycloneDX VEX document; a STIX 2.1 (or 2.0) bundle, a MISP event JSON or a MISP feed as a zip (manifest.json and event files), a CSV IOC list; a mentions feed (JSON lines of breach, leak-site and forum posts).`,
          'Threat intel: indicators are de-duplicated across sources (one indicator, each source\'s record of it), correlated at once with component hashes and vendor domains (sightings), and the whole document is stored in one transaction. STIX patterns that are not matchable are kept and counted in unsupported.',
          `Mentions: one JSON object per line, source and title required; text, url, published (ISO 8601), names and domains (what the post names) and id (the feed's post id) optional; blank lines and lines starting with # are skipped. Each post is matched to vendors by registrable domain (public-suffix aware) and by name and aliases (exact after normalisation, fuzzy by character-pair similarity, or written in the title or text); each match carries a confidence and its explanation, and matches under ${MIN_CONFIDENCE} are dropped. Only metadata, a 300-character excerpt and the text's SHA-256 and length are stored, never the post. A re-imported post (same source and id, else url, else title and date) updates its row and keeps its triage; the feed is stored in one transaction. The report adds matched: posts matched to at least one vendor.`,
          'Advisories are merged with the records that share an id or alias (one group per vulnerability); a record whose content did not change is skipped, a changed one updated, a withdrawn one closes its findings. Matching runs incrementally: only the packages of new or changed records are looked up among components.',
          'The import runs as a job (`feeds.import`; the document is stored with it): the answer is 202 with the job and a Location header; follow it with GET /api/v1/jobs/{id} (progress: records, or archive entries for an all.zip, done of total; phase reading → importing) and cancel it with POST /api/v1/jobs/{id}/cancel. Records are written in batches of 500, each batch in one transaction; a cancel stops the import between batches, and the batches written stay, each whole (threat-intel kinds store a document in one transaction, so they are all-or-nothing and a cancel reaches them only before they start). The job\'s result is the report below. With wait=true the request runs the import itself and answers the report (the answer this route gave before it became a job).',
          'Partial import, record by record: a bad record (or archive entry) is reported in errors with its id and the reason and nothing of it is stored; every good record imports. With wait=true the answer is 200 when every record imported and 207 (the same report) when some were refused; `thirdwatch feeds import` prints the same report and exits 0 or 2 in the same two cases. A document that cannot be read at all (not JSON, a zip bomb, a path-escaping zip entry) stores nothing: with wait=true it answers 400 (CLI exit 1); otherwise the job ends dead with that reason as its error. An unknown kind, an empty body, an unknown VEX vendor or product answer 400 or 404 at once; a body over the upload limit 413.',
          'For VEX kinds, vendorId names the vendor that issued the statements: they are recorded with it as their source and apply only to its products (productId narrows to one product).',
        ].join('\n\n'),
        params: FeedKindParams,
        querystring: ImportQuery,
        response: { 200: ImportReportSchema, 202: JobSchema, 207: ImportReportSchema },
      },
    }, async (request, reply) => {
      const { wait, source, vendorId, productId, columns } = request.query;
      const job = await feeds.startImport(request.params.kind, { body: rawBody(request.body) }, { source, vendorId, productId, columns, wait: wait ?? false }, request.ctx, launcher);
      if (!wait) return sendAccepted(reply, job);
      const report = resultOf<ImportReport>(job);
      return reply.status(report.errors.length ? 207 : 200).send(report);
    });
  });

  // Feed sources are settings (URLs, possibly with credentials): shown to admins only.
  app.get('/api/v1/feeds', {
    config: { permission: 'settings:write' },
    schema: {
      tags: ['feeds'],
      summary: 'Configured and locally imported feeds: last attempt, last success, last error and result; totals',
      response: { 200: FeedsOverviewSchema },
    },
  }, async () => feeds.overview());

  app.post('/api/v1/feeds/sync', {
    config: write,
    schema: {
      tags: ['feeds'],
      summary: 'Fetch configured feeds now (all enabled ones, or those named), in the background',
      description: 'The body is optional: { "names": ["osv-go", …] } picks sources (enabled or not); without it, every enabled source is fetched.',
      response: { 202: Type.Object({ enqueued: Type.Array(Type.String()) }) },
    },
  }, async (request, reply) => {
    let names: string[] | undefined;
    if (request.body !== undefined && request.body !== null && request.body !== '') {
      const checked = checkSyncBody(request.body);
      if (!checked.ok) throw validationError(`body ${checked.problems[0].field}: ${checked.problems[0].reason}`, checked.problems);
      names = checked.value.names;
    }
    return reply.status(202).send(await feeds.syncDue({ names, force: true }));
  });

  app.get('/api/v1/settings/feeds', {
    config: { permission: 'settings:write' },
    schema: {
      tags: ['settings'],
      summary: 'Feed sources fetched on a schedule (URLs, interval, timeout, size limit)',
      description: 'Credentials in source URLs are write-only: they are shown as *** (https://***:***@host/…). Sending a URL with *** back keeps the stored credentials of the source with that name.',
      response: { 200: FeedSettingsSchema },
    },
  }, async () => feeds.settingsView());

  app.put('/api/v1/settings/feeds', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the feed sources and schedule', body: FeedSettingsSchema, response: { 200: FeedSettingsSchema } },
  }, async (request) => feeds.setSettings(request.body, request.ctx));

  app.get('/api/v1/advisories', {
    config: read,
    schema: {
      tags: ['advisories'],
      summary: 'Advisory groups (aliases merged), newest first',
      description: 'One item per vulnerability: records that share an id or alias (CVE, GHSA, GO, PYSEC …) are one group, so nothing is counted twice.',
      querystring: ListAdvisoriesQuery,
      response: { 200: Page(AdvisorySchema) },
    },
  }, async (request) => advisories.list(request.query));

  app.get('/api/v1/advisories/:id', {
    config: read,
    schema: {
      tags: ['advisories'],
      summary: 'An advisory group by group id or by any id or alias, with its records (provenance), affected packages, KEV entries and finding counts',
      params: AdvisoryIdParams,
      response: { 200: AdvisoryDetailSchema },
    },
  }, async (request) => advisories.get(request.params.id));
}
