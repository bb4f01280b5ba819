import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { BusinessService } from './resilience.schemas.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return text ? (JSON.parse(text) as T) : (undefined as T);
}

describeEachEngine('business services and resilience settings', ({ engine }) => {
  let server: TestServer;
  const vendor: Record<string, string> = {};

  before(async () => {
    server = await startTestServer(engine);
    for (const name of ['Acme Payroll', 'Globex Cloud']) {
      vendor[name] = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 201)).id;
    }
  });
  after(async () => {
    await server?.close();
  });

  test('create, change, link vendors, list and delete a service, each audited; targets are minutes', async () => {
    const created = await json<BusinessService>(
      await server.api('/api/v1/business-services', {
        method: 'POST',
        role: 'analyst',
        json: { name: 'Payroll', owner: 'HR', rtoMinutes: 240, rpoMinutes: 60, mtdMinutes: 1440, vendorIds: [vendor['Acme Payroll']] },
      }),
      201,
    );
    assert.equal(created.rtoMinutes, 240);
    assert.deepEqual(created.vendors.map((v) => v.name), ['Acme Payroll']);
    assert.equal(created.openGaps, 0);

    const changed = await json<BusinessService>(await server.api(`/api/v1/business-services/${created.id}`, { method: 'PATCH', json: { rtoMinutes: 120, description: 'Monthly pay run' } }));
    assert.equal(changed.rtoMinutes, 120);
    assert.equal(changed.mtdMinutes, 1440);
    const linked = await json<BusinessService>(await server.api(`/api/v1/business-services/${created.id}/vendors`, { method: 'PUT', json: { vendorIds: [vendor['Globex Cloud'], vendor['Acme Payroll']] } }));
    assert.deepEqual(linked.vendors.map((v) => v.name), ['Acme Payroll', 'Globex Cloud']);

    const list = await json<{ items: BusinessService[] }>(await server.api('/api/v1/business-services', { role: 'viewer' }));
    assert.deepEqual(list.items.map((s) => [s.name, s.vendors.length]), [['Payroll', 2]]);

    const audit = await json<{ items: Array<{ action: string }> }>(await server.api(`/api/v1/audit?entityId=${created.id}`));
    assert.deepEqual(audit.items.map((e) => e.action).sort(), ['business-service.create', 'business-service.update', 'business-service.vendors']);

    await json(await server.api(`/api/v1/business-services/${created.id}`, { method: 'DELETE' }), 204);
    assert.deepEqual((await json<{ items: BusinessService[] }>(await server.api('/api/v1/business-services'))).items, []);
    await json(await server.api(`/api/v1/business-services/${created.id}`, { method: 'PATCH', json: { owner: 'x' } }), 404);
  });

  test('bad input: blank or taken names, MTD below RTO, unknown vendors, negative targets; viewers cannot write', async () => {
    await json(await server.api('/api/v1/business-services', { method: 'POST', json: { name: 'Web shop', rtoMinutes: 60 } }), 201);
    const taken = await json<{ errors: Array<{ field: string }> }>(await server.api('/api/v1/business-services', { method: 'POST', json: { name: 'WEB SHOP ' } }), 409);
    assert.equal(taken.errors[0].field, '/name');
    const blank = await json<{ errors: Array<{ field: string }> }>(await server.api('/api/v1/business-services', { method: 'POST', json: { name: '   ' } }), 400);
    assert.equal(blank.errors[0].field, '/name');
    const mtd = await json<{ errors: Array<{ field: string }> }>(await server.api('/api/v1/business-services', { method: 'POST', json: { name: 'CRM', rtoMinutes: 600, mtdMinutes: 60 } }), 400);
    assert.equal(mtd.errors[0].field, '/mtdMinutes');
    const unknown = await json<{ errors: Array<{ field: string }> }>(
      await server.api('/api/v1/business-services', { method: 'POST', json: { name: 'CRM', vendorIds: [vendor['Acme Payroll'], '0190a3a0-0000-7000-8000-000000000000'] } }),
      400,
    );
    assert.equal(unknown.errors[0].field, '/vendorIds/1');
    const negative = await json<{ errors: Array<{ field: string }> }>(await server.api('/api/v1/business-services', { method: 'POST', json: { name: 'CRM', rpoMinutes: -5 } }), 400);
    assert.ok(negative.errors.some((e) => e.field.includes('rpoMinutes')));
    // Nothing half-saved by the refused creates.
    assert.deepEqual((await json<{ items: BusinessService[] }>(await server.api('/api/v1/business-services'))).items.map((s) => s.name), ['Web shop']);
    await json(await server.api('/api/v1/business-services', { method: 'POST', role: 'viewer', json: { name: 'CRM' } }), 403);
  });

  test('residual-risk weights and assessment cadence: defaults, validated changes, admin only', async () => {
    const weights = await json<{ coverageReduction: number; findingPoints: Record<string, number> }>(await server.api('/api/v1/settings/residual-risk', { role: 'viewer' }));
    assert.equal(weights.coverageReduction, 50);
    const changed = { ...weights, coverageReduction: 70, findingPoints: { ...weights.findingPoints, critical: 8 } };
    await json(await server.api('/api/v1/settings/residual-risk', { method: 'PUT', role: 'analyst', json: changed }), 403);
    assert.deepEqual(await json(await server.api('/api/v1/settings/residual-risk', { method: 'PUT', json: changed })), changed);
    assert.deepEqual(await json(await server.api('/api/v1/settings/residual-risk')), changed);
    const bad = await json<{ errors: Array<{ field: string }> }>(await server.api('/api/v1/settings/residual-risk', { method: 'PUT', json: { ...changed, coverageReduction: 150 } }), 400);
    assert.ok(bad.errors.some((e) => e.field.includes('coverageReduction')));

    const cadence = await json<{ leadDays: number; templates: Record<string, string | null> }>(await server.api('/api/v1/settings/assessment-cadence'));
    assert.deepEqual(cadence, { leadDays: 30, templates: { T1: 'supply-chain-baseline', T2: 'supply-chain-baseline', T3: 'incident-notification', T4: null } });
  });
});
