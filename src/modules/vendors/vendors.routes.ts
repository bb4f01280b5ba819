import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { Page } from '../../platform/http/pagination.js';
import type { VendorService } from './vendors.service.js';
import type { VendorCsv, ImportReport as Report } from './vendors-csv.js';
import { resultOf, type JobLauncher } from '../../platform/jobs/launcher.js';
import { JobSchema } from '../jobs/jobs.schemas.js';
import { sendAccepted } from '../jobs/jobs.routes.js';
import {
  CommentBody,
  CommentSchema,
  ContactBody,
  ContactSchema,
  ContractBody,
  ContractSchema,
  CreateVendorBody,
  ExportQuery,
  FourthPartyTree,
  ImportQuery,
  ImportReport,
  ListVendorsQuery,
  ProductBody,
  ProductSchema,
  ReviewBody,
  RiskModelSchema,
  SubcontractorBody,
  UpdateContactBody,
  UpdateContractBody,
  UpdateProductBody,
  UpdateVendorBody,
  VendorChildParams,
  VendorIdParams,
  VendorSchema,
} from './vendors.schemas.js';

const List = <T extends Parameters<typeof Type.Array>[0]>(item: T) => Type.Object({ items: Type.Array(item) });

export function vendorRoutes(app: App, vendors: VendorService, csv: VendorCsv, launcher: JobLauncher, options: { maxUploadBytes: number }): void {
  const tags = ['vendors'];
  const read = { permission: 'read' as const };
  const write = { permission: 'inventory:write' as const };

  app.get('/api/v1/vendors', {
    config: read,
    schema: { tags, summary: 'List vendors (search, filter, sort, paginate)', querystring: ListVendorsQuery, response: { 200: Page(VendorSchema) } },
  }, async (request) => vendors.list(request.query));

  app.post('/api/v1/vendors', {
    config: write,
    schema: { tags, summary: 'Create a vendor; answers with its inherent risk score explained', body: CreateVendorBody, response: { 201: VendorSchema } },
  }, async (request, reply) => reply.status(201).send(await vendors.create(request.body, request.ctx)));

  app.get('/api/v1/vendors/export', {
    config: read,
    schema: { tags, summary: 'Export the vendors matching the list filters (all by default) as CSV (default) or JSON', querystring: ExportQuery },
  }, async (request, reply) => {
    const { format, ...filter } = request.query;
    if (format === 'json') {
      return reply.type('application/json').header('content-disposition', 'attachment; filename="vendors.json"').send(await csv.exportJson(filter));
    }
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="vendors.csv"').send(await csv.exportCsv(filter));
  });

  app.post('/api/v1/vendors/import', {
    config: write,
    // A CSV import is an upload (a large inventory is tens of MB): the upload limit, not the JSON one.
    bodyLimit: options.maxUploadBytes,
    schema: {
      tags,
      summary: 'Import vendors from CSV (text/csv body), as a job: all-or-nothing, with progress, cancellable',
      description: [
        'The import runs as a job (`vendors.import`): the answer is 202 with the job and a Location header; follow it with GET /api/v1/jobs/{id} (progress: rows done of total, phase parsing → checking → staging → publishing) and cancel it with POST /api/v1/jobs/{id}/cancel. The job\'s result is the report below.',
        'All-or-nothing: rows are checked and staged in chunks; a row with an error, a cancel or a crash before the last chunk is staged leaves the inventory as it was. Then the import is decided and published (phase publishing; progress counts steps): one short transaction per chunk, so no other write waits long. From then on a cancel answers 409, and a failure or a crash leaves the job to be retried from the first chunk not written, so the import always ends whole; meanwhile others may see it arrive chunk by chunk. A row whose name matches a vendor (case-insensitively) updates it; the others are created. The audit trail gets what the one-by-one API would record (vendor.create or vendor.update per row, vendor.subcontractor.add per link added), written with each chunk, as the person who started the job.',
        'dryRun=true checks every row (database-level checks such as unknown teams and cycles included) and writes nothing. With wait=true the request runs the import itself and answers the report: 200, or 422 when a row has errors (nothing was written).',
      ].join('\n\n'),
      querystring: ImportQuery,
      response: { 200: ImportReport, 202: JobSchema, 422: ImportReport },
    },
  }, async (request, reply) => {
    const job = await csv.startImport(String(request.body ?? ''), { dryRun: request.query.dryRun ?? false, wait: request.query.wait ?? false }, request.ctx, launcher);
    if (!request.query.wait) return sendAccepted(reply, job);
    const report = resultOf<Report>(job);
    return reply.status(report.errors.length && !report.dryRun ? 422 : 200).send(report);
  });

  app.get('/api/v1/vendors/:id', {
    config: read,
    schema: { tags, summary: 'Get a vendor', params: VendorIdParams, response: { 200: VendorSchema } },
  }, async (request) => vendors.get(request.params.id));

  app.patch('/api/v1/vendors/:id', {
    config: write,
    schema: { tags, summary: 'Change a vendor (rescored on every change)', params: VendorIdParams, body: UpdateVendorBody, response: { 200: VendorSchema } },
  }, async (request) => vendors.update(request.params.id, request.body, request.ctx));

  app.delete('/api/v1/vendors/:id', {
    config: write,
    schema: { tags, summary: 'Delete a vendor with its products, contacts and contracts', params: VendorIdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await vendors.delete(request.params.id, request.ctx);
    return reply.status(204).send(null);
  });

  app.post('/api/v1/vendors/:id/reviews', {
    config: write,
    schema: { tags, summary: 'Record a completed review; schedules the next one from the tier cadence', params: VendorIdParams, body: ReviewBody, response: { 200: VendorSchema } },
  }, async (request) => vendors.markReviewed(request.params.id, request.body, request.ctx));

  app.get('/api/v1/vendors/:id/fourth-parties', {
    config: read,
    schema: {
      tags,
      summary: 'Subcontractor tree (any depth, cycles marked) and the vendors that use this one',
      params: VendorIdParams,
      response: { 200: Type.Object({ tree: FourthPartyTree, usedBy: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), tier: Type.String(), service: Type.Union([Type.String(), Type.Null()]) })) }) },
    },
  }, async (request) => vendors.fourthPartyTree(request.params.id));

  app.post('/api/v1/vendors/:id/subcontractors', {
    config: write,
    schema: { tags, summary: 'Add a subcontractor (fourth party); refuses cycles', params: VendorIdParams, body: SubcontractorBody, response: { 200: VendorSchema } },
  }, async (request) => vendors.addSubcontractor(request.params.id, request.body.subcontractorId, request.body.service ?? null, request.ctx));

  app.delete('/api/v1/vendors/:id/subcontractors/:childId', {
    config: write,
    schema: { tags, summary: 'Remove a subcontractor link', params: VendorChildParams, response: { 200: VendorSchema } },
  }, async (request) => vendors.removeSubcontractor(request.params.id, request.params.childId, request.ctx));

  app.get('/api/v1/vendors/:id/products', {
    config: read,
    schema: { tags: ['products'], summary: 'Products and services this vendor supplies', params: VendorIdParams, response: { 200: List(ProductSchema) } },
  }, async (request) => ({ items: await vendors.listProducts(request.params.id) }));

  app.post('/api/v1/vendors/:id/products', {
    config: write,
    schema: { tags: ['products'], summary: 'Add a product or service', params: VendorIdParams, body: ProductBody, response: { 201: ProductSchema } },
  }, async (request, reply) => reply.status(201).send(await vendors.createProduct(request.params.id, request.body, request.ctx)));

  app.get('/api/v1/products/:id', {
    config: read,
    schema: { tags: ['products'], summary: 'Get a product', params: VendorIdParams, response: { 200: ProductSchema } },
  }, async (request) => vendors.getProduct(request.params.id));

  app.patch('/api/v1/products/:id', {
    config: write,
    schema: { tags: ['products'], summary: 'Change a product', params: VendorIdParams, body: UpdateProductBody, response: { 200: ProductSchema } },
  }, async (request) => vendors.updateProduct(request.params.id, request.body, request.ctx));

  app.delete('/api/v1/products/:id', {
    config: write,
    schema: { tags: ['products'], summary: 'Delete a product', params: VendorIdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await vendors.deleteProduct(request.params.id, request.ctx);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/vendors/:id/contacts', {
    config: read,
    schema: { tags, summary: 'Vendor contacts', params: VendorIdParams, response: { 200: List(ContactSchema) } },
  }, async (request) => ({ items: await vendors.listContacts(request.params.id) }));

  app.post('/api/v1/vendors/:id/contacts', {
    config: write,
    schema: { tags, summary: 'Add a contact', params: VendorIdParams, body: ContactBody, response: { 201: ContactSchema } },
  }, async (request, reply) => reply.status(201).send(await vendors.createContact(request.params.id, request.body, request.ctx)));

  app.patch('/api/v1/contacts/:id', {
    config: write,
    schema: { tags, summary: 'Change a contact', params: VendorIdParams, body: UpdateContactBody, response: { 200: ContactSchema } },
  }, async (request) => vendors.updateContact(request.params.id, request.body, request.ctx));

  app.delete('/api/v1/contacts/:id', {
    config: write,
    schema: { tags, summary: 'Delete a contact', params: VendorIdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await vendors.deleteContact(request.params.id, request.ctx);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/vendors/:id/contracts', {
    config: read,
    schema: { tags, summary: 'Vendor contracts', params: VendorIdParams, response: { 200: List(ContractSchema) } },
  }, async (request) => ({ items: await vendors.listContracts(request.params.id) }));

  app.post('/api/v1/vendors/:id/contracts', {
    config: write,
    schema: { tags, summary: 'Add a contract', params: VendorIdParams, body: ContractBody, response: { 201: ContractSchema } },
  }, async (request, reply) => reply.status(201).send(await vendors.createContract(request.params.id, request.body, request.ctx)));

  app.patch('/api/v1/contracts/:id', {
    config: write,
    schema: { tags, summary: 'Change a contract', params: VendorIdParams, body: UpdateContractBody, response: { 200: ContractSchema } },
  }, async (request) => vendors.updateContract(request.params.id, request.body, request.ctx));

  app.delete('/api/v1/contracts/:id', {
    config: write,
    schema: { tags, summary: 'Delete a contract', params: VendorIdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await vendors.deleteContract(request.params.id, request.ctx);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/vendors/:id/comments', {
    config: read,
    schema: { tags, summary: 'Comments on a vendor', params: VendorIdParams, response: { 200: List(CommentSchema) } },
  }, async (request) => ({ items: await vendors.listComments(request.params.id) }));

  app.post('/api/v1/vendors/:id/comments', {
    config: { permission: 'comments:write' },
    schema: { tags, summary: 'Comment on a vendor', params: VendorIdParams, body: CommentBody, response: { 201: CommentSchema } },
  }, async (request, reply) => reply.status(201).send(await vendors.addComment(request.params.id, request.body.body, request.ctx)));

  app.get('/api/v1/settings/risk-model', {
    config: read,
    schema: { tags: ['settings'], summary: 'Inherent-risk weights, tier thresholds and review cadence', response: { 200: RiskModelSchema } },
  }, async () => vendors.riskModel());

  app.put('/api/v1/settings/risk-model', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the risk model; every vendor is rescored in the background', body: RiskModelSchema, response: { 200: RiskModelSchema } },
  }, async (request) => vendors.setRiskModel(request.body, request.ctx));
}
