import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import { importFeed, json, problem } from '../findings/test-support.js';
import type { IncidentDetail, Task } from './incidents.schemas.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000a49444154789c6300010000050001', 'hex');

describeEachEngine('incidents API', ({ engine }) => {
  let server: TestServer;
  const vendor: Record<string, { id: string; tier: string }> = {};
  let productId = '';
  let otherProductId = '';

  before(async () => {
    server = await startTestServer(engine);
    for (const [name, domains] of [['3CX', ['3cx.com']], ['Globex', ['globex.example']]] as const) {
      const v = await json(await server.api('/api/v1/vendors', { method: 'POST', json: { name, domains, criticality: 4, shipsSoftware: true, autoUpdate: true } }), 201);
      vendor[name] = { id: v.id, tier: v.tier };
    }
    productId = (await json(await server.api(`/api/v1/vendors/${vendor['3CX'].id}/products`, { method: 'POST', json: { name: 'Desktop App', type: 'desktop-app' } }), 201)).id;
    otherProductId = (await json(await server.api(`/api/v1/vendors/${vendor.Globex.id}/products`, { method: 'POST', json: { name: 'Globex CRM', type: 'saas' } }), 201)).id;
  });
  after(() => server.close());

  test('open, list with filters, change, move along the workflow; responders write, viewers read', async () => {
    const created = await json<IncidentDetail>(
      await server.api('/api/v1/incidents', {
        method: 'POST',
        role: 'responder',
        json: {
          title: 'CRM exports leaked',
          summary: 'A Globex support engineer exported customer records',
          severity: 'high',
          productIds: [otherProductId],
          impact: { dataCategories: ['personal'], records: 5300 },
          participants: [{ role: 'counsel', name: 'Outside Counsel LLP', email: 'ir@counsel.example' }],
        },
      }),
      201,
    );
    assert.deepEqual([created.status, created.source, created.vendorIds, created.productIds], ['new', 'manual', [vendor.Globex.id], [otherProductId]], 'a product implies its vendor');
    assert.deepEqual(created.participants.map((p) => [p.role, p.name]), [['counsel', 'Outside Counsel LLP']]);
    assert.equal((await server.api('/api/v1/incidents', { method: 'POST', role: 'viewer', json: { title: 'x', severity: 'low' } })).status, 403);

    const bad = await problem(await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'x', severity: 'low', vendorIds: ['01900000-0000-7000-8000-00000000dead'] } }), 400);
    assert.equal(bad.errors![0].field, '/vendorIds/0');
    assert.equal((await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'x', severity: 'urgent' } })).status, 400);
    assert.equal((await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'x\u0000', severity: 'low' } })).status, 400);

    const list = await json(await server.api(`/api/v1/incidents?vendorId=${vendor.Globex.id}&status=open&severity=high&q=LEAKED`, { role: 'viewer' }), 200);
    assert.deepEqual(list.items.map((i: any) => [i.id, i.title, i.source, i.vendorIds, i.productIds, i.severity, i.status]), [[created.id, 'CRM exports leaked', 'manual', [vendor.Globex.id], [otherProductId], 'high', 'new']]);
    assert.equal((await json(await server.api('/api/v1/incidents?source=vendor'), 200)).items.filter((i: any) => i.id === created.id).length, 0);

    const patched = await json<IncidentDetail>(await server.api(`/api/v1/incidents/${created.id}`, { method: 'PATCH', role: 'analyst', json: { severity: 'critical', impact: { systems: ['crm'] } } }), 200);
    assert.equal(patched.severity, 'critical');
    assert.deepEqual(patched.impact, { dataCategories: ['personal'], systems: ['crm'], records: 5300, serviceIds: [] });

    const acked = await json<IncidentDetail>(await server.api(`/api/v1/incidents/${created.id}/status`, { method: 'POST', role: 'responder', json: { status: 'acknowledged', note: 'on it' } }), 200);
    assert.ok(acked.acknowledgedAt);
    const back = await problem(await server.api(`/api/v1/incidents/${created.id}/status`, { method: 'POST', json: { status: 'new' } }), 409);
    assert.equal(back.errors![0].field, '/status');
    const fp = await json<IncidentDetail>(await server.api(`/api/v1/incidents/${created.id}/status`, { method: 'POST', json: { status: 'false-positive' } }), 200);
    assert.ok(fp.closedAt);
    assert.equal((await server.api(`/api/v1/incidents/${created.id}/status`, { method: 'POST', json: { status: 'contained' } })).status, 409);
    assert.equal((await json<IncidentDetail>(await server.api(`/api/v1/incidents/${created.id}/status`, { method: 'POST', json: { status: 'acknowledged', note: 'not a false positive after all' } }), 200)).status, 'acknowledged');
    assert.equal((await server.api('/api/v1/incidents/01900000-0000-7000-8000-00000000dead')).status, 404);
  });

  test('the list pages with a cursor, as the other lists do: every incident once, newest first, filters kept across pages', async () => {
    const made: string[] = [];
    for (let n = 0; n < 7; n++) made.push((await json(await server.api('/api/v1/incidents', { method: 'POST', json: { title: `Paged incident ${n}`, severity: n % 2 ? 'low' : 'medium', vendorIds: [vendor.Globex.id] } }), 201)).id);
    const walk = async (query: string) => {
      const seen: string[] = [];
      const sizes: number[] = [];
      for (let cursor: string | null = null, first = true; first || cursor; first = false) {
        const page: { items: Array<{ id: string; severity: string }>; nextCursor: string | null } = await json(await server.api(`/api/v1/incidents?${query}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { role: 'viewer' }), 200);
        sizes.push(page.items.length);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      }
      return { seen, sizes };
    };
    const all = await walk(`vendorId=${vendor.Globex.id}&q=Paged`);
    assert.deepEqual(all.seen, [...made].reverse(), 'each once, newest first');
    assert.deepEqual(all.sizes, [3, 3, 1]);
    const medium = await walk(`vendorId=${vendor.Globex.id}&q=Paged&severity=medium&status=open`);
    assert.deepEqual(medium.seen, made.filter((_, n) => n % 2 === 0).reverse());
    const bad = await json(await server.api('/api/v1/incidents?cursor=not-a-cursor'), 400);
    assert.equal(bad.errors[0].field, 'cursor');
    await json(await server.api('/api/v1/incidents?limit=501'), 400);
  });

  test('participants, tasks with forms, notes, links and evidence, all on the timeline and in the audit trail', async () => {
    const incident = await json<IncidentDetail>(await server.api('/api/v1/incidents', { method: 'POST', json: { title: 'Softphone update suspicious', severity: 'critical', productIds: [productId] } }), 201);
    const base = `/api/v1/incidents/${incident.id}`;
    const participant = await json(await server.api(`${base}/participants`, { method: 'POST', json: { role: 'legal', name: 'Dana Legal' } }), 201);
    assert.equal((await server.api(`${base}/participants`, { method: 'POST', json: { role: 'janitor', name: 'x' } })).status, 400);
    assert.equal((await server.api(`${base}/participants/${participant.id}`, { method: 'DELETE' })).status, 204);

    const badForm = await problem(await server.api(`${base}/tasks`, { method: 'POST', json: { team: 'legal', title: 'Decide', form: { fields: [{ id: 'a', label: 'A', type: 'choice' }] } } }), 400);
    assert.equal(badForm.errors![0].field, '/form/fields/0/options');
    const task = await json<Task>(
      await server.api(`${base}/tasks`, { method: 'POST', role: 'responder', json: { team: 'privacy', title: 'Is personal data affected?', owner: 'pat', dueAt: new Date(Date.now() - 60_000).toISOString(), form: { fields: [{ id: 'personal', label: 'Personal data affected', type: 'boolean' }, { id: 'records', label: 'Records', type: 'number', required: false }] } } }),
      201,
    );
    assert.equal(task.overdue, true);
    const wrong = await problem(await server.api(`${base}/tasks/${task.id}/complete`, { method: 'POST', json: { answer: { personal: 'yes', extra: 1 } } }), 422);
    assert.deepEqual(wrong.errors!.map((e) => e.field).sort(), ['/answer/extra', '/answer/personal']);
    const done = await json<Task>(await server.api(`${base}/tasks/${task.id}/complete`, { method: 'POST', json: { answer: { personal: true } } }), 200);
    assert.deepEqual([done.status, done.answer, done.overdue], ['done', { personal: true, records: null }, false]);
    assert.equal((await server.api(`${base}/tasks/${task.id}/complete`, { method: 'POST', json: {} })).status, 409);
    const reopened = await json<Task>(await server.api(`${base}/tasks/${task.id}`, { method: 'PATCH', json: { status: 'open', owner: 'sam' } }), 200);
    assert.deepEqual([reopened.status, reopened.answer, reopened.owner], ['open', null, 'sam']);

    await json(await server.api(`${base}/events`, { method: 'POST', json: { text: 'Vendor confirmed the build server was breached', shareable: true } }), 201);
    const missing = await problem(await server.api(`${base}/links`, { method: 'POST', json: { kind: 'risk', targetId: '01900000-0000-7000-8000-00000000dead' } }), 400);
    assert.equal(missing.errors![0].field, '/targetId');
    const risk = await json(await server.api('/api/v1/risks', { method: 'POST', json: { title: 'Softphone supply chain', likelihood: 4, impact: 5, vendorIds: [vendor['3CX'].id] } }), 201);
    await json(await server.api(`${base}/links`, { method: 'POST', json: { kind: 'risk', targetId: risk.id } }), 201);
    await json(await server.api(`${base}/links`, { method: 'POST', json: { kind: 'risk', targetId: risk.id } }), 201);

    const upload = await server.api(`${base}/evidence?name=screenshot.png&shareable=true`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: PNG });
    const file = await json(upload, 201);
    assert.deepEqual([file.mediaType, file.sha256, file.shareable], ['image/png', createHash('sha256').update(PNG).digest('hex'), true]);
    const html = await server.api(`${base}/evidence?name=x.txt`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '<html><script>alert(1)</script></html>' });
    assert.equal(html.status, 415);
    const download = await server.api(`${base}/evidence/${file.id}`, { role: 'viewer' });
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment/);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), PNG);

    const detail = await json<IncidentDetail>(await server.api(base, { role: 'viewer' }), 200);
    assert.deepEqual(detail.links.map((l) => [l.kind, l.targetId, l.label]), [['risk', risk.id, 'Softphone supply chain']]);
    // The shipped playbooks and the clocks (their own modules, listening) add their events too: only this test's are compared.
    const own = detail.events.filter((e) => e.kind !== 'playbook' && !e.kind.startsWith('clock.'));
    assert.deepEqual(own.map((e) => e.kind), ['created', 'participant', 'participant', 'task', 'task-completed', 'task', 'note', 'link', 'evidence']);
    assert.deepEqual(detail.evidence.map((e) => e.name), ['screenshot.png']);
    assert.equal((await server.api(`${base}/links/risk/${risk.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await server.api(`${base}/links/risk/${risk.id}`, { method: 'DELETE' })).status, 404);
    const audit = await server.tw.database.db.selectFrom('audit_events').select('action').where('entity_id', '=', incident.id).execute();
    for (const action of ['incident.create', 'incident.participant.add', 'incident.participant.remove', 'incident.task.create', 'incident.task.complete', 'incident.task.update', 'incident.event', 'incident.link', 'incident.unlink', 'incident.evidence.add']) {
      assert.ok(audit.some((a) => a.action === action), action);
    }
  });

  test('a sighting on a T1/T2 vendor opens one incident (source correlation) per vendor and indicator set; later sightings are appended', async () => {
    assert.ok(['T1', 'T2'].includes(vendor['3CX'].tier), `3CX is ${vendor['3CX'].tier}`);
    const report = await importFeed(server, 'csv-iocs', 'indicator,type,confidence\nhxxps://akamaitechcloudservices[.]3cx[.]com/update,URL,90\n', '?source=3cx-advisory');
    assert.equal((report as any).sightings, 1);
    const list = await json(await server.api(`/api/v1/incidents?source=correlation&vendorId=${vendor['3CX'].id}`), 200);
    assert.equal(list.items.length, 1);
    const incident = await json<IncidentDetail>(await server.api(`/api/v1/incidents/${list.items[0].id}`), 200);
    assert.deepEqual([incident.source, incident.vendorIds, incident.correlationKey], ['correlation', [vendor['3CX'].id], `vendor:${vendor['3CX'].id}`]);
    assert.deepEqual(incident.links.map((l) => l.kind).sort(), ['indicator', 'risk', 'sighting'], 'the sighting, its indicator and the risk the risk rule raised');

    // Another indicator of the same source document: appended, not a second incident.
    await importFeed(server, 'csv-iocs', 'indicator,type,confidence\nhxxps://akamaitechcloudservices[.]3cx[.]com/update,URL,90\nsbmsa[.]3cx[.]com,domain,80\n', '?source=3cx-advisory');
    const after = await json(await server.api(`/api/v1/incidents?source=correlation&vendorId=${vendor['3CX'].id}`), 200);
    assert.equal(after.items.length, 1);
    const appended = await json<IncidentDetail>(await server.api(`/api/v1/incidents/${incident.id}`), 200);
    assert.equal(appended.events.filter((e) => e.kind === 'sighting').length, 2);
    const indicators = await server.tw.services.incidents.indicatorsOf(incident.id);
    assert.deepEqual(indicators.map((i) => [i.type, i.value, i.source]).sort(), [['domain', 'sbmsa.3cx.com', '3cx-advisory'], ['url', 'https://akamaitechcloudservices.3cx.com/update', '3cx-advisory']]);

    // The rule's tiers: with none in scope nothing opens.
    await json(await server.api('/api/v1/settings/incident-correlation', { method: 'PUT', json: { enabled: true, vendorTiers: [], kinds: ['vendor-domain'], minConfidence: 50, unknownConfidence: true } }), 200);
    await importFeed(server, 'csv-iocs', 'indicator,type,confidence\nevil[.]globex[.]example,domain,90\n', '?source=other');
    assert.equal((await json(await server.api(`/api/v1/incidents?vendorId=${vendor.Globex.id}&source=correlation`), 200)).items.length, 0);
    assert.equal((await server.api('/api/v1/settings/incident-correlation', { method: 'PUT', role: 'analyst', json: { enabled: false, vendorTiers: [], kinds: [], minConfidence: 0, unknownConfidence: true } })).status, 403);
  });

  test('vendor reports: a new incident, duplicates appended, the vendor sees only its own and only shared fields', async () => {
    const incidents = server.tw.services.incidents;
    const portal = { actor: { type: 'portal' as const, id: null, name: 'portal:3CX', role: 'portal' as const, vendorId: vendor['3CX'].id }, requestId: null };
    const detectedAt = new Date(Date.now() - 3_600_000).toISOString();
    const first = await incidents.vendorReport({
      title: 'Build pipeline compromise of the desktop app',
      description: 'A trojanised library was signed into release 18.12.416 of the desktop app',
      detectedAt,
      productIds: [productId],
      dataCategories: ['credentials'],
      indicators: [{ type: 'sha256', value: 'A'.repeat(64) }, { type: 'domain', value: 'raw.githubusercontent[.]com' }],
      contact: { name: 'Vendor PSIRT', email: 'psirt@3cx.example' },
    }, vendor['3CX'].id, portal);
    assert.equal(first.duplicateOf, null);
    assert.equal(first.incident.status, 'new');
    assert.equal(first.incident.severity, null, 'severity is not shared by default');
    assert.deepEqual((first.incident.reports[0].report as any).indicators, [{ type: 'sha256', value: 'a'.repeat(64) }, { type: 'domain', value: 'raw.githubusercontent.com' }]);
    const internal = await incidents.get(first.incident.id);
    assert.deepEqual([internal.source, internal.reportedBy?.email, internal.participants[0].role], ['vendor', 'psirt@3cx.example', 'vendor']);
    // The reported indicators are indicators now (correlated like a feed's), linked, the report their source document.
    const reported = await incidents.indicatorsOf(first.incident.id);
    assert.deepEqual(reported.map((i) => [i.type, i.value, i.source]).sort(), [
      ['domain', 'raw.githubusercontent.com', 'vendor report: 3CX: Build pipeline compromise of the desktop app'],
      ['sha256', 'a'.repeat(64), 'vendor report: 3CX: Build pipeline compromise of the desktop app'],
    ]);

    // The same indicator again, worded differently: appended.
    const again = await incidents.vendorReport({ title: 'Update', description: 'More details', detectedAt, indicators: [{ type: 'sha256', value: 'a'.repeat(64) }], contact: { name: 'Vendor PSIRT' } }, vendor['3CX'].id, portal);
    assert.equal(again.duplicateOf, first.incident.id);
    // No shared indicator but the same words within 72 hours: appended.
    const similar = await incidents.vendorReport({ title: 'Build pipeline compromise of the desktop app', description: 'A trojanised library was signed into the desktop app release', detectedAt: new Date().toISOString(), contact: { name: 'Vendor PSIRT' } }, vendor['3CX'].id, portal);
    assert.equal(similar.duplicateOf, first.incident.id);
    assert.equal(similar.incident.reports.length, 3);
    // Other words: a new incident.
    const other = await incidents.vendorReport({ title: 'Phishing of our billing staff', description: 'Invoices redirected', detectedAt, contact: { name: 'Billing' } }, vendor['3CX'].id, portal);
    assert.equal(other.duplicateOf, null);

    const own = await incidents.listForVendor(vendor['3CX'].id);
    assert.deepEqual(own.map((v) => v.id).sort(), [first.incident.id, other.incident.id].sort());
    assert.deepEqual(await incidents.listForVendor(vendor.Globex.id), []);
    await assert.rejects(incidents.getForVendor(first.incident.id, vendor.Globex.id), (e: any) => e.status === 404);
    // An incident naming the vendor but not shared with it is invisible to it.
    const secret = await incidents.create({ title: 'Internal suspicion', severity: 'low', vendorIds: [vendor.Globex.id] }, systemContext('test'));
    await assert.rejects(incidents.getForVendor(secret.id, vendor.Globex.id), (e: any) => e.status === 404);

    // Shared notes and status changes reach the vendor's view; private notes do not.
    await json(await server.api(`/api/v1/incidents/${first.incident.id}/events`, { method: 'POST', json: { text: 'Private triage note' } }), 201);
    await json(await server.api(`/api/v1/incidents/${first.incident.id}/events`, { method: 'POST', json: { text: 'We have isolated the affected hosts', shareable: true } }), 201);
    await json(await server.api(`/api/v1/incidents/${first.incident.id}/status`, { method: 'POST', json: { status: 'contained' } }), 200);
    const view = await incidents.getForVendor(first.incident.id, vendor['3CX'].id);
    assert.equal(view.status, 'contained');
    assert.ok(view.events.some((e) => e.text === 'We have isolated the affected hosts'));
    assert.ok(!view.events.some((e) => e.text === 'Private triage note'));

    const badProduct = incidents.vendorReport({ title: 't', description: 'd', detectedAt, productIds: [otherProductId], contact: { name: 'x' } }, vendor['3CX'].id, portal);
    await assert.rejects(badProduct, (e: any) => e.status === 400 && e.errors[0].field === '/productIds/0');
    await assert.rejects(incidents.vendorReport({ title: 't', description: 'd', detectedAt, indicators: [{ type: 'sha256', value: 'nothex' }], contact: { name: 'x' } }, vendor['3CX'].id, portal), (e: any) => e.status === 400 && e.errors[0].field === '/indicators/0/value');
  });
});
