import { Type } from 'typebox';
import type { App } from '../../platform/http/server.js';
import { NvdSyncSettingsSchema, type NvdSyncService } from './nvd-sync.service.js';

/** Settings of the NVD CVE API sync (admins: they hold an API key) and a sync started now. */
export function nvdSyncRoutes(app: App, nvdSync: NvdSyncService): void {
  app.get('/api/v1/settings/nvd', {
    config: { permission: 'settings:write' },
    schema: {
      tags: ['settings'],
      summary: 'NVD CVE API sync: on or off, endpoint, API key (write-only), interval, paging',
      description: 'Off by default. The API key is shown as ***; sending *** back keeps the stored key, null removes it.',
      response: { 200: NvdSyncSettingsSchema },
    },
  }, async () => nvdSync.settingsView());

  app.put('/api/v1/settings/nvd', {
    config: { permission: 'settings:write' },
    schema: { tags: ['settings'], summary: 'Change the NVD CVE API sync settings', body: NvdSyncSettingsSchema, response: { 200: NvdSyncSettingsSchema } },
  }, async (request) => nvdSync.setSettings(request.body, request.ctx));

  app.post('/api/v1/feeds/nvd/sync', {
    config: { permission: 'inventory:write' },
    schema: {
      tags: ['feeds'],
      summary: 'Sync from the NVD CVE API now (even when the scheduled sync is off), in the background',
      description: 'Fetches the CVEs modified since the last sync in windows of at most 120 days (lastModStartDate/lastModEndDate), page by page; GET /api/v1/feeds shows the result under nvd-api.',
      response: { 202: Type.Object({ enqueued: Type.Array(Type.String()) }) },
    },
  }, async (_request, reply) => reply.status(202).send(await nvdSync.syncDue({ force: true })));
}
