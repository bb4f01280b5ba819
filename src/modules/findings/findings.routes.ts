import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import { UUID_PATTERN } from '../../platform/ids.js';
import { ProductRefParams } from '../sboms/sboms.schemas.js';
import { PRIORITIES, RISK_FORMULA } from './findings.policy.js';
import {
  BatchesSchema,
  BatchIdParams,
  BulkTriageBody,
  BulkTriageResult,
  FindingGroupSchema,
  GroupsQuery,
  TotalsQuery,
  TotalsSchema,
  UndoResult,
  ViewBody,
  ViewIdParams,
  ViewPatchBody,
  ViewSchema,
  ExportQuery,
  ExposureQuery,
  ExposureSchema,
  FindingDetailSchema,
  FindingIdParams,
  FindingSchema,
  ListFindingsQuery,
  PolicySchema,
  ProductExportQuery,
  RiskSchema,
  TriageBody,
} from './findings.schemas.js';
import type { FindingsService } from './findings.service.js';

export function findingRoutes(app: App, findings: FindingsService): void {
  const tags = ['findings'];
  const read = { permission: 'read' as const };
  const triage = { permission: 'findings:triage' as const };

  app.get('/api/v1/findings', {
    config: read,
    schema: {
      tags,
      summary: 'Findings (advisory group × component of a current SBOM), most urgent first',
      description: [
        `Priority: ${PRIORITIES.join(' > ')} — malicious packages first, then known exploited (CISA KEV), then likely exploited (EPSS ≥ the policy threshold), then by severity. Each priority has an SLA (days from first detection) that sets dueAt; both are settings (PUT /api/v1/settings/findings-policy).`,
        'Only findings of each product release\'s current SBOM are listed. status defaults to open; closed findings were withdrawn by their advisory, are no longer affected after an advisory change, or were merged into another group.',
        'sort=priority (default) orders by priority then id; sort=newest by detection, newest first; any other column (advisory, severity, component, vendor, product, release, state, fixedIn, due, firstSeen, epss, cvss) sorts by it, descending with a leading -, ties by id. Text sorts compare by code point on both engines; missing values (no fix, no EPSS, no CVSS) sort first.',
        'q searches the advisory id and aliases, the package (name and purl), the product and the vendor.',
      ].join('\n\n'),
      querystring: ListFindingsQuery,
      response: { 200: Page(FindingSchema) },
    },
  }, async (request) => findings.list(request.query));

  app.get('/api/v1/findings/trend', {
    config: read,
    schema: {
      tags,
      summary: 'Open exposure per day (all, KEV, malicious) over the last N days, from detection and closure times',
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 30 })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          days: Type.Array(Type.Object({ date: Type.String(), open: Type.Integer(), kev: Type.Integer(), malicious: Type.Integer() })),
        }),
      },
    },
  }, async (request) => findings.trend(request.query.days ?? 30));

  app.get('/api/v1/findings/totals', {
    config: read,
    schema: { tags, summary: 'How many findings a filter selects: overall, distinct advisories, products and vendors, per severity and per state', querystring: TotalsQuery, response: { 200: TotalsSchema } },
  }, async (request) => findings.totals(request.query));

  app.get('/api/v1/findings/groups', {
    config: read,
    schema: {
      tags,
      summary: 'Findings grouped by advisory: one row per advisory with how many findings, products and vendors it has under the filter',
      description: 'Takes every list filter. Expand a row with GET /api/v1/findings?advisory={advisoryGroupId} and the same filters.',
      querystring: GroupsQuery,
      response: { 200: Page(FindingGroupSchema) },
    },
  }, async (request) => findings.groups(request.query));

  app.get('/api/v1/findings/views', {
    config: read,
    schema: { tags, summary: 'Saved views of the findings workbench: the caller\'s own and the shared ones', response: { 200: Type.Object({ items: Type.Array(ViewSchema) }) } },
  }, async (request) => findings.views(request.ctx));

  app.post('/api/v1/findings/views', {
    config: read,
    schema: { tags, summary: 'Save a view (name, filters, sort, grouping); shared views are offered to everyone', body: ViewBody, response: { 201: ViewSchema } },
  }, async (request, reply) => reply.code(201).send(await findings.createView(request.body, request.ctx)));

  app.patch('/api/v1/findings/views/:id', {
    config: read,
    schema: { tags, summary: 'Rename, share or change one of the caller\'s saved views', params: ViewIdParams, body: ViewPatchBody, response: { 200: ViewSchema } },
  }, async (request) => findings.updateView(request.params.id, request.body, request.ctx));

  app.delete('/api/v1/findings/views/:id', {
    config: read,
    schema: { tags, summary: 'Delete one of the caller\'s saved views', params: ViewIdParams },
  }, async (request, reply) => {
    await findings.deleteView(request.params.id, request.ctx);
    return reply.code(204).send();
  });

  app.get('/api/v1/findings/triage/batches', {
    config: triage,
    schema: { tags, summary: 'The latest bulk-triage batches from the audit trail, and whether each was undone', response: { 200: BatchesSchema } },
  }, async () => findings.batches());

  app.post('/api/v1/findings/triage/:batchId/undo', {
    config: triage,
    schema: {
      tags,
      summary: 'Undo a bulk-triage batch: its findings get back their previous decisions',
      description: 'Refused (409) when any finding of the batch has changed since, or the batch was undone already; then nothing changes.',
      params: BatchIdParams,
      response: { 200: UndoResult },
    },
  }, async (request) => findings.undoBatch(request.params.batchId, request.ctx));

  app.get('/api/v1/findings/export', {
    config: read,
    schema: {
      tags,
      summary: 'Findings as CSV (any filtered list), CycloneDX VEX or VDR, OpenVEX, or CSAF VEX (one product release)',
      description:
        'format=csv takes every list filter. The VEX formats describe one product release: give productId and optionally release (default: the most recently uploaded current release). Not more than 100,000 findings per export.',
      querystring: ExportQuery,
    },
  }, async (request, reply) => {
    const { body, contentType, filename } = await findings.export(request.query);
    return reply.type(contentType).header('content-disposition', `attachment; filename="${filename}"`).send(body);
  });

  app.get('/api/v1/findings/:id', {
    config: read,
    schema: { tags, summary: 'A finding with its history (detection, carried-over decisions, VEX, triage, closure)', params: FindingIdParams, response: { 200: FindingDetailSchema } },
  }, async (request) => findings.get(request.params.id));

  app.patch('/api/v1/findings/:id', {
    config: triage,
    schema: {
      tags,
      summary: 'Triage a finding: CycloneDX analysis state, justification, responses, detail, severity override',
      description:
        'state: in_triage, exploitable, false_positive, not_affected (needs a justification or a detail), resolved. responses: can_not_fix, will_not_fix, update, rollback, workaround_available. An analyst\'s decision is kept against later vendor VEX and carried over to the next SBOM of the release when the component version is unchanged.',
      params: FindingIdParams,
      body: TriageBody,
      response: { 200: FindingSchema },
    },
  }, async (request) => findings.triage(request.params.id, request.body, request.ctx));

  app.post('/api/v1/findings/triage', {
    config: triage,
    schema: {
      tags,
      summary: 'Triage many findings at once: by ids, or every open finding of an advisory (within a product or vendor)',
      description: 'dryRun=true answers how many findings would change without changing them. A change is one batch of the audit trail (batchId), which can be undone.',
      body: BulkTriageBody,
      response: { 200: BulkTriageResult },
    },
  }, async (request) => findings.bulkTriage(request.body, request.ctx));

  app.get('/api/v1/exposure', {
    config: read,
    schema: {
      tags,
      summary: 'Who is exposed: vendors, products, releases and components affected by an advisory, a CVE or a package, with the path and the fix',
      description: [
        'Give advisory (any id or alias), cve, or purl. For a purl with a version, advisories lists which advisories affect that version (even when no SBOM contains it). Answered from the findings and the advisory index, not by scanning components.',
        'products gives each product\'s state (affected, under_investigation, fixed, not_affected) from the analysis of its findings and VEX; the summary counts leave out what is not affected, so "used by N vendors in M products" is the products rows that are not not_affected.',
      ].join('\n\n'),
      querystring: ExposureQuery,
      response: { 200: ExposureSchema },
    },
  }, async (request) => findings.exposure(request.query));

  const riskDescription = `Vulnerability risk score, 0–100. ${RISK_FORMULA}`;
  app.get('/api/v1/products/:id/vulnerability-risk', {
    config: read,
    schema: { tags, summary: 'Vulnerability risk score of a product, every term shown', description: riskDescription, params: ProductRefParams, response: { 200: RiskSchema } },
  }, async (request) => findings.risk({ productId: request.params.id }));

  app.get('/api/v1/vendors/:id/vulnerability-risk', {
    config: read,
    schema: {
      tags,
      summary: 'Vulnerability risk score of a vendor over all its products, every term shown',
      description: riskDescription,
      params: Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) }),
      response: { 200: RiskSchema },
    },
  }, async (request) => findings.risk({ vendorId: request.params.id }));

  for (const [document, path] of [['vex', '/api/v1/products/:id/vex'], ['vdr', '/api/v1/products/:id/vdr']] as const) {
    app.get(path, {
      config: read,
      schema: {
        tags,
        summary:
          document === 'vex'
            ? 'VEX of a product release: CycloneDX (default), OpenVEX or CSAF, with every finding\'s analysis'
            : 'Vulnerability Disclosure Report (CycloneDX VDR) of a product release',
        params: ProductRefParams,
        querystring: ProductExportQuery,
      },
    }, async (request, reply) => {
      const format = document === 'vdr' ? 'cyclonedx-vdr' : request.query.format === 'openvex' ? 'openvex' : request.query.format === 'csaf' ? 'csaf' : 'cyclonedx-vex';
      const { body, contentType, filename } = await findings.export({ productId: request.params.id, release: request.query.release, format, status: 'open' });
      return reply.type(contentType).header('content-disposition', `attachment; filename="${filename}"`).send(body);
    });
  }

  app.get('/api/v1/settings/findings-policy', {
    config: read,
    schema: { tags: ['settings'], summary: 'Prioritisation, SLA days per priority and risk-score weights', response: { 200: PolicySchema } },
  }, async () => findings.policy());

  app.put('/api/v1/settings/findings-policy', {
    config: { permission: 'settings:write' },
    schema: {
      tags: ['settings'],
      summary: 'Change the findings policy; open findings are re-prioritised in the background',
      body: PolicySchema,
      response: { 200: PolicySchema },
    },
  }, async (request) => findings.setPolicy(request.body, request.ctx));
}
