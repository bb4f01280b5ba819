import type { App } from '../../platform/http/server.js';
import { PatternsBody, ScanBody, ScanResultSchema } from './pii.schemas.js';
import type { PiiService } from './pii.service.js';

export function piiRoutes(app: App, pii: PiiService): void {
  const tags = ['pii'];
  app.post('/api/v1/pii/scan', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Test a sample against the personal-data detectors and the custom patterns (nothing is stored)',
      description: 'Give `text`, or `body` (base64) with `contentType`/`contentEncoding` to scan it as the ICAP service would. Answers detections with masked previews only.',
      body: ScanBody,
      response: { 200: ScanResultSchema },
    },
  }, async (request) => pii.scanSample(request.body));

  app.get('/api/v1/pii/patterns', {
    config: { permission: 'read' },
    schema: { tags, summary: "The organisation's custom personal-data patterns", response: { 200: PatternsBody } },
  }, async () => ({ patterns: await pii.patterns() }));

  app.put('/api/v1/pii/patterns', {
    config: { permission: 'egress:write' },
    schema: {
      tags,
      summary: 'Replace the custom patterns (each checked to run in linear time; audited)',
      body: PatternsBody,
      response: { 200: PatternsBody },
    },
  }, async (request) => ({ patterns: await pii.replacePatterns(request.body.patterns, request.ctx) }));
}
