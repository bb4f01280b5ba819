import type { EgressBlocklistService } from '../egress/blocklist.service.js';
import type { IncidentService } from '../incidents/incidents.service.js';
import type { NotificationService } from '../notifications/notifications.service.js';
import { durationMs, type Step } from '../playbooks/playbooks.model.js';
import type { PlaybookService, RunDetail } from '../playbooks/playbooks.service.js';
import type { DrillCaptured, DrillDeps, DrillRun } from './drills.service.js';

/** The other modules' entry points as the drills module uses them (thirdwatch.ts passes them to DrillService.useDeps). */
export function drillDeps(modules: { incidents: IncidentService; playbooks: PlaybookService; blocklist: EgressBlocklistService; notifications: NotificationService }): Partial<DrillDeps> {
  const { incidents, playbooks, blocklist, notifications } = modules;
  return {
    async playbook(id, version) {
      const p = await playbooks.get(id, version);
      return {
        id: p.id,
        name: p.document.name,
        key: p.key,
        version: p.version,
        when: p.document.when ?? null,
        steps: p.document.steps.map((s: Step) => ({
          id: s.id,
          type: s.type,
          title: ('title' in s && typeof s.title === 'string' ? s.title : null) ?? s.name ?? null,
          team: 'team' in s && typeof s.team === 'string' ? s.team : null,
          dueSeconds: 'due' in s && typeof s.due === 'string' ? durationMs(s.due) / 1000 : null,
        })),
      };
    },
    createIncident: async (trx, input, ctx, drillId) => {
      const { impact, ...rest } = input;
      const row = await incidents.createIn(trx, { ...rest, impact: { ...impact, dataCategories: [...new Set(impact.dataCategories)], serviceIds: [...new Set(impact.serviceIds)] } }, ctx, { drillId });
      return { id: row.id };
    },
    linkIndicator: (trx, incidentId, indicatorId, ctx) => incidents.link(trx, incidentId, { kind: 'indicator', targetId: indicatorId }, ctx),
    startRun: async (trx, incidentId, playbookId, ctx, drillId) => ({ id: (await playbooks.startRun(trx, incidentId, playbookId, ctx, { drillId })).runId }),
    runsOf: async (drillId) => (await playbooks.runsOf({ drillId })).map(presentRun),
    async tasks(incidentId) {
      const incident = await incidents.get(incidentId);
      return incident.tasks.map((t) => ({ id: t.id, team: t.team, title: t.title, owner: t.owner, status: t.status, dueAt: t.dueAt, createdAt: t.createdAt, completedBy: t.completedBy, completedAt: t.completedAt, stepId: t.stepId, runId: t.runId, form: t.form }));
    },
    completeTask: async (incidentId, taskId, answer, ctx) => {
      await incidents.completeTask(incidentId, taskId, answer as Parameters<IncidentService['completeTask']>[2], ctx);
    },
    cancelRuns: (trx, drillId, reason) => playbooks.engine.cancelDrillRuns(trx, drillId, reason),
    async captured(drillId) {
      const [messages, blocks, runs] = await Promise.all([notifications.captured(drillId), blocklist.list({ drillId, limit: 500 }), playbooks.runsOf({ drillId })]);
      const blockStep = runs.flatMap((r) => r.steps).find((s) => s.type === 'block' && s.status === 'done')?.stepId ?? null;
      return [
        ...messages.map((m): DrillCaptured => ({
          kind: m.channelType === 'webhook' ? 'webhook' : 'notification',
          at: m.createdAt,
          stepId: null,
          target: `${m.channelName} (${m.channelType})`,
          summary: m.subject,
          // A webhook's detail is the exact signed request it would have sent.
          detail: m.request ?? { subject: m.subject, body: m.body },
        })),
        ...blocks.items.map((b): DrillCaptured => ({ kind: 'block', at: b.createdAt, stepId: blockStep, target: b.domain, summary: `${b.status}: ${b.reason}`, detail: b })),
        ...questionnairesOf(runs),
      ];
    },
  };
}

function presentRun(run: RunDetail): DrillRun {
  return {
    id: run.id,
    status: run.status,
    playbookVersion: run.playbookVersion,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    steps: run.steps.map((s) => ({ stepId: s.stepId, status: s.status === 'not reached' ? 'pending' : s.status, startedAt: s.startedAt, finishedAt: s.finishedAt, output: s.output, error: s.error })),
  };
}

/** A drill's questionnaire steps record what would have been sent to each vendor (nothing is created). */
export function questionnairesOf(runs: RunDetail[]): DrillCaptured[] {
  const out: DrillCaptured[] = [];
  for (const run of runs) {
    for (const step of run.steps) {
      if (step.type !== 'questionnaire' || step.status !== 'done' || !step.output) continue;
      const output = step.output as { template?: string; sent?: Array<{ vendorId: string; assessmentId: string | null; captured: boolean }> };
      for (const sent of output.sent ?? []) {
        out.push({ kind: 'questionnaire', at: step.finishedAt, stepId: step.stepId, target: sent.vendorId, summary: `questionnaire ${output.template ?? ''} to the vendor${sent.captured ? ' (recorded, not sent)' : ''}`, detail: { ...sent, template: output.template ?? null } });
      }
    }
  }
  return out;
}
