import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { streamBody, streamUploadRoutes } from '../../platform/http/uploads.js';
import { Page } from '../../platform/http/pagination.js';
import type { IntegrityService } from './integrity.service.js';
import {
  AlertSchema,
  ArtifactDetailSchema,
  ArtifactIdParams,
  ArtifactSchema,
  CheckQuery,
  CheckResultSchema,
  FilesBody,
  InnerFileSchema,
  IntegritySettingsSchema,
  ListAlertsQuery,
  ListArtifactsQuery,
  ProductIdParams,
  RegisterBody,
  TimelineSchema,
} from './integrity.schemas.js';

export function integrityRoutes(app: App, integrity: IntegrityService, options: { maxArtifactBytes: number }): void {
  const tags = ['integrity'];
  const read = { permission: 'read' as const };
  const write = { permission: 'inventory:write' as const };

  streamUploadRoutes(app, options.maxArtifactBytes, (scope) => {
    scope.post('/api/v1/artifacts/check', {
      // Checking a file someone found is triage work: analysts and responders may do it.
      config: { permission: 'findings:triage' as const },
      schema: {
        tags,
        summary: 'Check an artifact: hashes, Authenticode signature, and alerts against the release registry',
        description: [
          'The body is the file itself, sent as-is with any content type. It is streamed: hashed (MD5, SHA-1, SHA-256, SHA-512) and copied to a temporary file in one pass, never held in memory whole; the copy is removed after the check.',
          `Files over THIRDWATCH_MAX_ARTIFACT_MB (${Math.round(options.maxArtifactBytes / 1048576)} MB here) are refused with 413.`,
          'PE images (.exe, .dll, .msi payloads) get their Authenticode signature read: signer, signing time, the signed digest against the file\'s own Authenticode digest, and bytes hidden after the PKCS#7 blob.',
          'The artifact is registered as observed for the product release and file name. Alerts: hash-mutation (the release\'s file was registered or seen with other bytes), indicator-match, signer-change, signature-padding, signature-invalid, provenance-missing (earlier releases had verified provenance), quarantine (bytes the vendor never registered, first seen inside the quarantine window).',
        ].join('\n\n'),
        querystring: CheckQuery,
        response: { 200: CheckResultSchema },
      },
    }, async (request) =>
      integrity.checkStream({ productId: request.query.productId, version: request.query.version, fileName: request.query.filename }, streamBody(request.body), request.ctx),
    );
  });

  app.post('/api/v1/artifacts', {
    config: write,
    schema: {
      tags,
      summary: 'Register an artifact as the vendor published it: hashes, signer, Sigstore bundle, inner files',
      description: 'A sigstoreBundle is verified offline against the pinned trusted root and must name this artifact\'s SHA-256 (or SHA-512): refused with 400 otherwise. Inner files come from a manifest (files) or from the hashes of the release\'s current SBOM (fromSbom: true).',
      body: RegisterBody,
      response: { 201: ArtifactSchema },
    },
  }, async (request, reply) => {
    const created = await integrity.register(request.body, request.ctx);
    return reply.status(201).header('location', `/api/v1/artifacts/${created.id}`).send(created);
  });

  app.get('/api/v1/artifacts', {
    config: read,
    schema: { tags, summary: 'Registered and observed artifacts, newest first (filter by product, vendor, version, source or any hash)', querystring: ListArtifactsQuery, response: { 200: Page(ArtifactSchema) } },
  }, async (request) => integrity.list(request.query));

  app.get('/api/v1/artifacts/:id', {
    config: read,
    schema: { tags, summary: 'An artifact with its inner files and alerts', params: ArtifactIdParams, response: { 200: ArtifactDetailSchema } },
  }, async (request) => integrity.get(request.params.id));

  app.delete('/api/v1/artifacts/:id', {
    config: write,
    schema: { tags, summary: 'Delete an artifact, its inner files and its alerts', params: ArtifactIdParams, response: { 204: Type.Null() } },
  }, async (request, reply) => {
    await integrity.delete(request.params.id, request.ctx);
    return reply.status(204).send(null);
  });

  app.put('/api/v1/artifacts/:id/files', {
    config: write,
    schema: { tags, summary: 'Replace the inner files of an artifact (a manifest, or the release SBOM\'s hashes)', params: ArtifactIdParams, body: FilesBody, response: { 200: Type.Object({ items: Type.Array(InnerFileSchema) }) } },
  }, async (request) => integrity.setFiles(request.params.id, request.body, request.ctx));

  app.post('/api/v1/artifacts/:id/provenance', {
    config: write,
    schema: {
      tags,
      summary: 'Attach a Sigstore bundle to an artifact: verified offline against the trusted root and the artifact\'s digest',
      params: ArtifactIdParams,
      body: Type.Object({}, { additionalProperties: true, description: 'The Sigstore bundle (JSON, media type application/vnd.dev.sigstore.bundle.v0.3+json and earlier).' }),
      response: { 200: ArtifactSchema },
    },
  }, async (request) => integrity.attachProvenance(request.params.id, request.body, request.ctx));

  app.get('/api/v1/integrity/alerts', {
    config: read,
    schema: { tags, summary: 'Integrity alerts, newest first', querystring: ListAlertsQuery, response: { 200: Page(AlertSchema) } },
  }, async (request) => integrity.alerts(request.query));

  app.get('/api/v1/products/:id/integrity', {
    config: read,
    schema: { tags, summary: 'A product\'s integrity timeline: releases, their artifacts (hashes, signers, provenance) and alerts', params: ProductIdParams, response: { 200: TimelineSchema } },
  }, async (request) => integrity.timeline(request.params.id));

  app.get('/api/v1/settings/integrity', {
    config: read,
    schema: { tags, summary: 'Update-integrity settings (the quarantine window)', response: { 200: IntegritySettingsSchema } },
  }, async () => integrity.settings());

  app.put('/api/v1/settings/integrity', {
    config: { permission: 'settings:write' as const },
    schema: { tags, summary: 'Change the update-integrity settings', body: IntegritySettingsSchema, response: { 200: IntegritySettingsSchema } },
  }, async (request) => integrity.updateSettings(request.body, request.ctx));
}
