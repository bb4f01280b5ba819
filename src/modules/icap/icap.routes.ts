import type { App } from '../../platform/http/server.js';
import { PolicyBody, PolicyView, StatusView } from './icap.schemas.js';
import type { IcapPolicyService } from './icap.service.js';

export function icapRoutes(app: App, icap: IcapPolicyService): void {
  const tags = ['icap'];
  app.get('/api/v1/icap/policy', {
    config: { permission: 'read' },
    schema: { tags, summary: 'The ICAP egress policy in force (version 0: the shipped default) and its ISTag', response: { 200: PolicyView } },
  }, async () => icap.get());

  app.put('/api/v1/icap/policy', {
    config: { permission: 'egress:write' },
    schema: {
      tags,
      summary: 'Save a new version of the ICAP egress policy (audited); every ICAP instance applies it within seconds and answers with a new ISTag',
      description: 'Send the whole policy. `expectedVersion` guards against overwriting someone else\'s save (409). Allowances must name existing vendors.',
      body: PolicyBody,
      response: { 200: PolicyView },
    },
  }, async (request) => icap.put(request.body, request.ctx));

  app.get('/api/v1/icap/status', {
    config: { permission: 'read' },
    schema: { tags, summary: 'The ICAP service: this process\'s listener and counters, the policy in force, the fail mode, and the decisions stored in the last hour', response: { 200: StatusView } },
  }, async () => icap.status());
}
