import { Page } from '../../platform/http/pagination.js';
import type { App } from '../../platform/http/server.js';
import { SaasSettingsSchema, type EgressAttribution } from './attribution.js';
import { AssignDestinationBody, DestinationParams, DestinationQuery, DestinationSchema } from './destinations.schemas.js';
import type { DestinationService } from './destinations.service.js';
import { DataFlowGraphQuery, DataFlowGraphSchema, DataFlowQuery, DataFlowSchema } from './flows.schemas.js';
import type { FlowService } from './flows.service.js';

export function egressFlowRoutes(app: App, deps: { flows: FlowService; destinations: DestinationService; attribution: EgressAttribution }): void {
  const tags = ['egress'];
  app.get('/api/v1/dataflows', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Data flows: egress summed per destination and vendor over the hours asked for, largest first',
      description: 'Each item sums the hourly flows of one destination (registrable domain or IP) and vendor: requests, bytes, the personal-data classes detected, the sources (clients and apps), methods and content types, and the worst sanction among them.',
      querystring: DataFlowQuery,
      response: { 200: Page(DataFlowSchema) },
    },
  }, async (request) => deps.flows.list(request.query));

  app.get('/api/v1/dataflows/graph', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'The data-flow map: sources → vendors → destinations with volumes and data classes',
      querystring: DataFlowGraphQuery,
      response: { 200: DataFlowGraphSchema },
    },
  }, async (request) => deps.flows.graph(request.query));

  app.get('/api/v1/egress/destinations', {
    config: { permission: 'read' },
    schema: {
      tags,
      summary: 'Destinations seen at the egress, to triage: the unattributed ones by default, most recently seen first',
      querystring: DestinationQuery,
      response: { 200: Page(DestinationSchema) },
    },
  }, async (request) => deps.destinations.list(request.query));

  app.put('/api/v1/egress/destinations/:destination', {
    config: { permission: 'egress:write' },
    schema: {
      tags,
      summary: 'Assign a destination to a vendor (and product), or set its sanction; its flows are attributed again',
      description: 'A name under a destination assigns the destination (its registrable domain). The assignment wins over vendor domains, product endpoints and the SaaS list; vendorId null drops it. Audited. Block with POST /api/v1/egress/blocklist.',
      params: DestinationParams,
      body: AssignDestinationBody,
      response: { 200: DestinationSchema },
    },
  }, async (request) => deps.destinations.assign(request.params.destination, request.body, request.ctx));

  app.get('/api/v1/settings/egress-saas', {
    config: { permission: 'read' },
    schema: { tags: ['settings'], summary: 'Known SaaS domains added to (or renamed in) the shipped list egress attribution uses', response: { 200: SaasSettingsSchema } },
  }, async () => deps.attribution.saasSettings());

  app.put('/api/v1/settings/egress-saas', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Set the known SaaS domains added to the shipped list', body: SaasSettingsSchema, response: { 200: SaasSettingsSchema } },
  }, async (request) => deps.attribution.setSaasSettings(request.body, request.ctx));
}
