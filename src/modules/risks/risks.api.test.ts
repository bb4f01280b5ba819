import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachEngine } from '../../platform/db/test-support/engines.js';
import { systemContext } from '../../platform/context.js';
import { startTestServer, type TestServer } from '../../../test/support/server.js';
import type { Risk, RiskDetail } from './risks.schemas.js';
import type { AutomaticRiskInput } from './risks.service.js';

async function json<T = any>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 500));
  return JSON.parse(text) as T;
}

describeEachEngine('risk register', ({ engine }) => {
  let server: TestServer;
  const vendor: Record<string, string> = {};
  let product = '';

  before(async () => {
    server = await startTestServer(engine);
    for (const name of ['Acme', 'Globex', 'Initech']) {
      vendor[name] = (await json<{ id: string }>(await server.api('/api/v1/vendors', { method: 'POST', json: { name } }), 201)).id;
    }
    product = (await json<{ id: string }>(await server.api(`/api/v1/vendors/${vendor.Acme}/products`, { method: 'POST', json: { name: 'Softphone', type: 'desktop-app' } }), 201)).id;
  });
  after(async () => {
    await server?.close();
  });

  const raise = (overrides: Partial<AutomaticRiskInput> = {}) =>
    server.tw.services.risks.raiseAutomatic(
      {
        source: 'sighting',
        sourceKey: 'indicator-1:softphone',
        title: 'Known-bad hash seen in Softphone 18.12',
        description: 'The installer hash matches a 3CX indicator.',
        likelihood: 4,
        impact: 5,
        vendorIds: [vendor.Acme],
        productIds: [product],
        evidence: [{ type: 'sighting', id: 's-1', label: 'sighting 1' }],
        ...overrides,
      },
      systemContext('correlation'),
    );

  test('manual entry: scores, links (a product brings its vendor), validation and audit', async () => {
    const created = await json<RiskDetail>(
      await server.api('/api/v1/risks', {
        method: 'POST',
        role: 'analyst',
        json: {
          title: 'Single supplier for payroll',
          likelihood: 2,
          impact: 5,
          residualLikelihood: 1,
          residualImpact: 5,
          team: 'security',
          owner: 'Dana',
          treatment: 'mitigate',
          dueDate: '2020-01-31',
          productIds: [product],
          vendorIds: [vendor.Globex],
          evidence: [{ type: 'document', id: 'https://wiki.example/payroll-bcp', label: 'BCP' }],
        },
      }),
      201,
    );
    assert.deepEqual(created.inherent, { likelihood: 2, impact: 5, score: 10, level: 'high' });
    assert.deepEqual(created.residual, { likelihood: 1, impact: 5, score: 5, level: 'medium' });
    assert.equal(created.score, 5);
    assert.equal(created.source, 'manual');
    assert.equal(created.overdue, true);
    assert.deepEqual(created.vendors.map((v) => v.name).sort(), ['Acme', 'Globex']);
    assert.equal(created.team?.key, 'security');
    assert.equal(created.evidence.length, 1);

    const bad = await json<{ errors: Array<{ field: string }> }>(await server.api('/api/v1/risks', { method: 'POST', json: { title: 'x', likelihood: 6, impact: 1 } }), 400);
    assert.ok(bad.errors.some((e) => e.field.includes('likelihood')));
    await json(await server.api('/api/v1/risks', { method: 'POST', json: { title: 'x', likelihood: 1, impact: 1, residualLikelihood: 1 } }), 400);
    await json(await server.api('/api/v1/risks', { method: 'POST', json: { title: 'x', likelihood: 1, impact: 1, vendorIds: ['00000000-0000-7000-8000-000000000000'] } }), 400);
    await json(await server.api('/api/v1/risks', { method: 'POST', role: 'viewer', json: { title: 'x', likelihood: 1, impact: 1 } }), 403);

    const audit = await server.tw.database.db.selectFrom('audit_events').select('action').where('entity_id', '=', created.id).execute();
    assert.deepEqual(audit.map((a) => a.action), ['risk.create']);
  });

  test('automatic risks: idempotent on (source, sourceKey), evidence merged, the rating follows the source until a person assesses it', async () => {
    const first = await raise();
    assert.equal(first.outcome, 'created');
    const again = await raise({ likelihood: 5, evidence: [{ type: 'sighting', id: 's-1' }, { type: 'sighting', id: 's-2' }], vendorIds: [vendor.Acme, vendor.Initech] });
    assert.equal(again.outcome, 'updated');
    assert.equal(again.risk.id, first.risk.id);
    assert.equal(again.risk.raiseCount, 2);
    assert.equal(again.risk.inherent.score, 25);
    assert.deepEqual(again.risk.evidence.map((e) => e.id).sort(), ['s-1', 's-2']);
    assert.deepEqual(again.risk.vendors.map((v) => v.name), ['Acme', 'Initech']);
    const rows = await server.tw.database.db.selectFrom('risks').select('id').where('source', '=', 'sighting').execute();
    assert.equal(rows.length, 1);

    // A person lowers the likelihood: later raises keep the person's rating.
    await json(await server.api(`/api/v1/risks/${first.risk.id}`, { method: 'PATCH', role: 'responder', json: { likelihood: 3 } }));
    const third = await raise({ likelihood: 5 });
    assert.equal(third.risk.inherent.likelihood, 3);
    assert.equal(third.risk.assessed, true);

    await assert.rejects(raise({ likelihood: 0 }), /likelihood/);
    await assert.rejects(raise({ sourceKey: 'other', vendorIds: ['00000000-0000-7000-8000-000000000000'] }), /unknown vendor/);
  });

  test('recurrence: closed as mitigated reopens, closed as not-a-risk stays closed, accepted stays accepted unless the score rises', async () => {
    const { risk } = await raise({ sourceKey: 'recur', likelihood: 3, impact: 3 });
    await json(await server.api(`/api/v1/risks/${risk.id}`, { method: 'PATCH', json: { status: 'closed' } }), 400);
    await json(await server.api(`/api/v1/risks/${risk.id}`, { method: 'PATCH', json: { status: 'closed', closeReason: 'mitigated' } }));
    const reopened = await raise({ sourceKey: 'recur', likelihood: 3, impact: 3 });
    assert.equal(reopened.outcome, 'reopened');
    assert.equal(reopened.risk.status, 'open');
    assert.equal(reopened.risk.reopenCount, 1);
    assert.match(reopened.risk.reopenReason ?? '', /recurred/);

    await json(await server.api(`/api/v1/risks/${risk.id}`, { method: 'PATCH', json: { status: 'closed', closeReason: 'not-a-risk' } }));
    const kept = await raise({ sourceKey: 'recur', likelihood: 3, impact: 3, evidence: [{ type: 'sighting', id: 's-9' }] });
    assert.equal(kept.outcome, 'kept-closed');
    assert.equal(kept.risk.status, 'closed');
    assert.ok(kept.risk.evidence.some((e) => e.id === 's-9'));

    // Reopen by hand, get it accepted, then raise at the same and at a higher score.
    await json(await server.api(`/api/v1/risks/${risk.id}`, { method: 'PATCH', json: { status: 'open' } }));
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    await json(await server.api(`/api/v1/risks/${risk.id}/acceptance`, { method: 'POST', role: 'analyst', json: { justification: 'compensating control', expiresAt } }));
    await json(await server.api(`/api/v1/risks/${risk.id}/acceptance/decision`, { method: 'POST', json: { decision: 'approve' } }));
    assert.equal((await raise({ sourceKey: 'recur', likelihood: 3, impact: 3 })).outcome, 'kept-accepted');
    const higher = await raise({ sourceKey: 'recur', likelihood: 5, impact: 3 });
    assert.equal(higher.outcome, 'reopened');
    assert.equal(higher.risk.status, 'open');
    assert.equal(higher.risk.acceptance, null);

    const resolved = await server.tw.services.risks.resolveAutomatic({ source: 'sighting', sourceKey: 'recur', reason: 'indicator revoked' }, systemContext('test'));
    assert.equal(resolved, 'resolved');
    assert.equal((await json<RiskDetail>(await server.api(`/api/v1/risks/${risk.id}`))).closeReason, 'resolved');
  });

  test('acceptance needs a second person with risks:approve and an expiry; it reopens when it expires', async () => {
    const risk = await json<RiskDetail>(await server.api('/api/v1/risks', { method: 'POST', json: { title: 'Legacy VPN appliance', likelihood: 3, impact: 4 } }), 201);
    const access = server.tw.services.access;
    const boss = await access.createUser({ email: 'boss@example.com', name: 'Boss', role: 'admin' }, systemContext('test'));
    const t1 = (await access.createToken({ name: 'one', role: 'admin', userId: boss.id }, systemContext('test'))).token;
    const t2 = (await access.createToken({ name: 'two', role: 'admin', userId: boss.id }, systemContext('test'))).token;
    const as = (token: string, path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const past = new Date(Date.now() - 1000).toISOString();
    await json(await as(t1, `/api/v1/risks/${risk.id}/acceptance`, { justification: 'x', expiresAt: past }), 400);
    await json(await as(t1, `/api/v1/risks/${risk.id}/acceptance`, { justification: 'x', expiresAt: new Date(Date.now() + 400 * 86_400_000).toISOString() }), 400);
    const pending = await json<RiskDetail>(await as(t1, `/api/v1/risks/${risk.id}/acceptance`, { justification: 'replaced next quarter', expiresAt: new Date(Date.now() + 60_000).toISOString() }));
    assert.equal(pending.status, 'pending-acceptance');
    assert.equal(pending.treatment, 'accept');
    // The same user through another token is still the same person.
    const own = await json<{ detail: string }>(await as(t2, `/api/v1/risks/${risk.id}/acceptance/decision`, { decision: 'approve' }), 403);
    assert.match(own.detail, /second person/);
    await json(await server.api(`/api/v1/risks/${risk.id}/acceptance/decision`, { method: 'POST', role: 'analyst', json: { decision: 'approve' } }), 403);
    const accepted = await json<RiskDetail>(await server.api(`/api/v1/risks/${risk.id}/acceptance/decision`, { method: 'POST', json: { decision: 'approve', note: 'ok' } }));
    assert.equal(accepted.status, 'accepted');
    assert.equal(accepted.acceptance?.approvedBy, 'token:test-admin');
    assert.equal(accepted.acceptance?.requestedBy, 'Boss (token one)');

    // Expiry: move it into the past and run the scheduled job.
    await server.tw.database.db.updateTable('risks').set({ acceptance_expires_at: past }).where('id', '=', risk.id).execute();
    assert.deepEqual(await server.tw.services.risks.expireAcceptances(systemContext('test')), { reopened: 1 });
    const expired = await json<RiskDetail>(await server.api(`/api/v1/risks/${risk.id}`));
    assert.equal(expired.status, 'open');
    assert.equal(expired.acceptance, null);
    assert.match(expired.reopenReason ?? '', /acceptance expired/);
    const actions = (await server.tw.database.db.selectFrom('audit_events').select('action').where('entity_id', '=', risk.id).orderBy('seq').execute()).map((a) => a.action);
    assert.deepEqual(actions, ['risk.create', 'risk.acceptance.request', 'risk.acceptance.approve', 'risk.acceptance.expire']);
  });

  test('roll-ups count a risk once in the portfolio, once per vendor; heat map, filters, export, trend', async () => {
    const db = server.tw.database.db;
    await db.deleteFrom('risks').execute();
    const mk = (title: string, likelihood: number, impact: number, vendorIds: string[]) =>
      server.api('/api/v1/risks', { method: 'POST', json: { title, likelihood, impact, vendorIds } }).then((r) => json<RiskDetail>(r, 201));
    const shared = await mk('Shared hosting provider outage', 5, 5, [vendor.Acme, vendor.Globex]);
    await mk('Acme only', 2, 2, [vendor.Acme]);
    await mk('Globex only', 4, 3, [vendor.Globex]);
    const summary = await json<any>(await server.api('/api/v1/risks/summary'));
    assert.equal(summary.total, 3);
    assert.deepEqual(summary.byLevel, { low: 1, medium: 0, high: 1, critical: 1 });
    assert.equal(summary.heat[4][4], 1);
    assert.equal(summary.heat[3][2], 1);
    assert.equal(summary.heat[1][1], 1);
    // Both have the shared critical risk; Globex's other risk is high, Acme's low.
    assert.deepEqual(summary.vendors.map((v: any) => [v.name, v.total]), [['Globex', 2], ['Acme', 2]]);
    const acme = await json<any>(await server.api(`/api/v1/risks/summary?vendorId=${vendor.Acme}`));
    assert.equal(acme.total, 2);

    const critical = await json<{ items: Risk[] }>(await server.api('/api/v1/risks?level=critical'));
    assert.deepEqual(critical.items.map((r) => r.id), [shared.id]);
    const cell = await json<{ items: Risk[] }>(await server.api('/api/v1/risks?likelihood=4&impact=3'));
    assert.deepEqual(cell.items.map((r) => r.title), ['Globex only']);
    const page1 = await json<{ items: Risk[]; nextCursor: string }>(await server.api('/api/v1/risks?limit=2'));
    const page2 = await json<{ items: Risk[]; nextCursor: string | null }>(await server.api(`/api/v1/risks?limit=2&cursor=${page1.nextCursor}`));
    assert.deepEqual([...page1.items, ...page2.items].map((r) => r.score), [25, 12, 4]);
    assert.equal(page2.nextCursor, null);
    assert.equal((await json<{ items: Risk[] }>(await server.api('/api/v1/risks?q=HOSTING'))).items.length, 1);

    const csv = await server.api('/api/v1/risks/export');
    assert.equal(csv.status, 200);
    const lines = (await csv.text()).trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[1], /Shared hosting provider outage/);
    assert.match(lines[1], /Acme; Globex/);

    await server.tw.services.risks.snapshot();
    const trend = await json<{ days: Array<{ open: number; live: boolean }> }>(await server.api('/api/v1/risks/trend?days=7'));
    assert.equal(trend.days.at(-1)?.open, 3);
    assert.equal(trend.days.at(-1)?.live, true);
  });

  test('scales are a setting: thresholds change levels, bad scales are refused', async () => {
    const scales = await json<any>(await server.api('/api/v1/settings/risk-scales', { role: 'viewer' }));
    assert.equal(scales.likelihood.length, 5);
    await json(await server.api('/api/v1/settings/risk-scales', { method: 'PUT', json: { ...scales, levelThresholds: { medium: 10, high: 5, critical: 20 } } }), 400);
    await json(await server.api('/api/v1/settings/risk-scales', { method: 'PUT', role: 'analyst', json: scales }), 403);
    await json(await server.api('/api/v1/settings/risk-scales', { method: 'PUT', json: { ...scales, levelThresholds: { medium: 3, high: 4, critical: 25 } } }));
    const summary = await json<any>(await server.api('/api/v1/risks/summary'));
    assert.deepEqual(summary.byLevel, { low: 0, medium: 0, high: 2, critical: 1 });
    await json(await server.api('/api/v1/settings/risk-scales', { method: 'PUT', json: scales }));
  });
});
