import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { sendAccepted } from '../jobs/jobs.routes.js';
import { rawBody, rawUploadRoutes } from '../../platform/http/uploads.js';
import { Page } from '../../platform/http/pagination.js';
import type { SbomService } from './sboms.service.js';
import {
  ComponentSchema,
  DependencySchema,
  DiffSchema,
  EstateSchema,
  ListComponentsQuery,
  ListDependenciesQuery,
  ListSbomsQuery,
  ProductRefParams,
  ReleaseSchema,
  SbomIdParams,
  SbomPairParams,
  SbomSchema,
  UploadJobSchema,
  UploadQuery,
  UsageQuery,
  UsageSchema,
} from './sboms.schemas.js';


/** Accept-Encoding names gzip without q=0. */
function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function sbomRoutes(app: App, sboms: SbomService, options: { maxUploadBytes: number }): void {
  const tags = ['sboms'];
  const read = { permission: 'read' as const };
  const write = { permission: 'inventory:write' as const };

  rawUploadRoutes(app, options.maxUploadBytes, (scope) => {
    scope.post('/api/v1/products/:id/sboms', {
      config: write,
      bodyLimit: options.maxUploadBytes,
      schema: {
        tags,
        summary: 'Upload an SBOM for a product release',
        description: [
          'The body is the SBOM document itself, sent as-is with any content type: CycloneDX 1.2–1.6 (JSON or XML), SPDX 2.2/2.3 (JSON or tag-value) or SPDX 3.0 JSON-LD. The format is recognised from the content.',
          'The release defaults to the version of the document\'s root component, then to the product\'s version. The new SBOM becomes the current one of its release.',
          `Documents over the upload limit (THIRDWATCH_MAX_UPLOAD_MB, ${Math.round(options.maxUploadBytes / 1048576)} MB here) are refused with 413; unreadable or hostile ones with 400 naming the offending place (a JSON pointer or line) in "field". Invalid purls are refused unless lenient=true. Nothing is stored unless everything is.`,
          'Use the product id "estate" for SBOMs of the organisation\'s own software.',
          'Every upload is written unpublished in bounded steps (other requests are served meanwhile) and published in one short transaction: until then nothing of it is visible, and a failure leaves nothing.',
          'The job contract is the one of every import (wait=true: the request runs the job and answers its result; wait=false: 202 with the job and a Location header), but this route waits by default and answers 201 with the stored SBOM: an upload is one resource that CI pipelines create and use at once (its id, its findings), typically in well under a second. With wait=false (or the older async=true) it answers 202 at once with the job (the bytes are kept in the database): GET /api/v1/jobs/{id} reports its phase (parse, store, match) and progress, POST /api/v1/jobs/{id}/cancel stops it with nothing stored, and the finished job\'s result names the SBOM.',
        ].join('\n\n'),
        params: ProductRefParams,
        querystring: UploadQuery,
        response: { 201: SbomSchema, 202: UploadJobSchema },
      },
    }, async (request, reply) => {
      if (request.query.async || request.query.wait === false) {
        const job = await sboms.enqueueUpload(request.params.id, rawBody(request.body), { release: request.query.release, lenient: request.query.lenient }, request.ctx);
        return sendAccepted(reply, job, { jobId: job.id });
      }
      const created = await sboms.upload(request.params.id, rawBody(request.body), { release: request.query.release, lenient: request.query.lenient }, request.ctx);
      return reply.status(201).header('location', `/api/v1/sboms/${created.id}`).send(created);
    });
  });

  app.get('/api/v1/products/:id/sboms', {
    config: read,
    schema: { tags, summary: 'SBOMs of a product, newest first', params: ProductRefParams, querystring: ListSbomsQuery, response: { 200: Page(SbomSchema) } },
  }, async (request) => sboms.list(request.params.id, request.query));

  app.get('/api/v1/products/:id/releases', {
    config: read,
    schema: {
      tags,
      summary: 'Releases of a product that have SBOMs, each with its current SBOM',
      params: ProductRefParams,
      response: { 200: Type.Object({ items: Type.Array(ReleaseSchema) }) },
    },
  }, async (request) => ({ items: await sboms.releases(request.params.id) }));

  app.get('/api/v1/estate', {
    config: read,
    schema: { tags, summary: 'The built-in owner of the organisation\'s own SBOMs (not a third party)', response: { 200: EstateSchema } },
  }, async () => sboms.estate());

  app.get('/api/v1/sboms/:id', {
    config: read,
    schema: { tags, summary: 'An SBOM: format, release, counts, tools, root component', params: SbomIdParams, response: { 200: SbomSchema } },
  }, async (request) => sboms.get(request.params.id));

  app.delete('/api/v1/sboms/:id', {
    config: write,
    schema: {
      tags,
      summary: 'Delete an SBOM; when it was current, the previous SBOM of the release becomes current',
      params: SbomIdParams,
      response: { 204: Type.Null() },
    },
  }, async (request, reply) => {
    await sboms.delete(request.params.id, request.ctx);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/sboms/:id/components', {
    config: read,
    schema: { tags, summary: 'Components of an SBOM in document order (search and filters)', params: SbomIdParams, querystring: ListComponentsQuery, response: { 200: Page(ComponentSchema) } },
  }, async (request) => sboms.components(request.params.id, request.query));

  app.get('/api/v1/sboms/:id/dependencies', {
    config: read,
    schema: {
      tags,
      summary: 'Dependency edges of an SBOM (idx 0 is the root component)',
      params: SbomIdParams,
      querystring: ListDependenciesQuery,
      response: { 200: Page(DependencySchema) },
    },
  }, async (request) => sboms.dependencies(request.params.id, request.query));

  app.get('/api/v1/sboms/:id/download', {
    config: read,
    schema: { tags, summary: 'The original document, byte for byte, with its media type (gzip-encoded when the client accepts it)', params: SbomIdParams },
  }, async (request, reply) => {
    const doc = await sboms.document(request.params.id);
    reply.type(doc.mediaType).header('content-disposition', `attachment; filename="${doc.filename}"`).header('vary', 'accept-encoding');
    if (acceptsGzip(request.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(doc.gzip);
    return reply.send(await doc.inflate());
  });

  app.get('/api/v1/sboms/:a/diff/:b', {
    config: read,
    schema: {
      tags,
      summary: 'What changed from SBOM a to SBOM b: added, removed, version-changed, and hash-changed-at-the-same-version components',
      params: SbomPairParams,
      response: { 200: DiffSchema },
    },
  }, async (request) => sboms.diff(request.params.a, request.params.b));

  app.get('/api/v1/components', {
    config: read,
    schema: {
      tags: ['components'],
      summary: 'Who uses a package: every vendor, product and release whose current SBOM contains it',
      description: [
        'Give a purl (pkg:npm/electron, pkg:npm/electron@22.3.4) or a name (ffmpeg, log4j-core, @babel/core), optionally with an ecosystem and a version filter.',
        'A name without a namespace matches every package of that bare name (in every ecosystem unless one is given); a purl or a full name matches exactly one package identity. Purl qualifiers and subpaths are ignored.',
        'Each item tells whether the dependency is direct and gives a shortest path from the product root to it. Only the current SBOM of each product release counts; the organisation\'s own estate is included (vendor.internal = true).',
      ].join('\n\n'),
      querystring: UsageQuery,
      response: { 200: Page(UsageSchema) },
    },
  }, async (request) => sboms.usage(request.query));
}
