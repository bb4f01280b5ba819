import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import type { PlaybookRunsTable, PlaybookRunStepsTable, PlaybooksTable, PlaybookVersionsTable } from './playbooks.tables.js';

export type PlaybookVersionRow = PlaybookVersionsTable & Pick<PlaybooksTable, 'key' | 'name' | 'enabled' | 'current_version' | 'updated_at'>;

/** All SQL of the playbooks module. */
export class PlaybookRepository {
  constructor(private readonly db: Executor) {}

  private versions() {
    return this.db
      .selectFrom('playbook_versions as v')
      .innerJoin('playbooks as p', 'p.id', 'v.playbook_id')
      .selectAll('v')
      .select(['p.key', 'p.name', 'p.enabled', 'p.current_version', 'p.updated_at']);
  }

  /** Every playbook at its current version, by name. */
  current(filter: { enabled?: boolean } = {}): Promise<PlaybookVersionRow[]> {
    return this.versions()
      .whereRef('v.version', '=', 'p.current_version')
      .$if(filter.enabled !== undefined, (q) => q.where('p.enabled', '=', filter.enabled ? 1 : 0))
      .orderBy('p.name')
      .orderBy('p.id')
      .execute();
  }

  version(playbookId: string, version?: number): Promise<PlaybookVersionRow | undefined> {
    const q = this.versions().where('v.playbook_id', '=', playbookId);
    return (version === undefined ? q.whereRef('v.version', '=', 'p.current_version') : q.where('v.version', '=', version)).executeTakeFirst();
  }

  history(playbookId: string) {
    return this.db
      .selectFrom('playbook_versions')
      .select(['version', 'created_at', 'created_by', 'content_sha256'])
      .where('playbook_id', '=', playbookId)
      .orderBy('version', 'desc')
      .execute();
  }

  playbook(id: string): Promise<PlaybooksTable | undefined> {
    return this.db.selectFrom('playbooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byKey(key: string): Promise<PlaybooksTable | undefined> {
    return this.db.selectFrom('playbooks').selectAll().where('key', '=', key).executeTakeFirst();
  }

  /** Inserts unless the key is taken (another process seeding at the same moment); true when inserted. */
  async insertPlaybook(row: PlaybooksTable): Promise<boolean> {
    const result = await this.db.insertInto('playbooks').values(row).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async insertVersion(row: PlaybookVersionsTable): Promise<void> {
    await this.db.insertInto('playbook_versions').values(row).execute();
  }

  /** Moves the playbook from version `from` to `from + 1`; false when another writer moved it first. */
  async advance(id: string, from: number, changes: { name: string; updated_at: string; shipped_sha256?: string }): Promise<boolean> {
    const result = await this.db.updateTable('playbooks').set({ ...changes, current_version: from + 1 }).where('id', '=', id).where('current_version', '=', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setEnabled(id: string, enabled: boolean, now: string): Promise<void> {
    await this.db.updateTable('playbooks').set({ enabled: enabled ? 1 : 0, updated_at: now }).where('id', '=', id).execute();
  }

  // Runs ------------------------------------------------------------------------------------------

  /** Inserts the run; false when its trigger_key is taken (this playbook already started on the incident). */
  async insertRun(row: PlaybookRunsTable): Promise<boolean> {
    const result = await this.db.insertInto('playbook_runs').values(row).onConflict((oc) => oc.column('trigger_key').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** The run, locked for the rest of the transaction on PostgreSQL (SQLite's writer lock serialises already). */
  run(id: string, options: { lock?: boolean } = {}): Promise<PlaybookRunsTable | undefined> {
    return this.db
      .selectFrom('playbook_runs')
      .selectAll()
      .where('id', '=', id)
      .$if(!!options.lock && isPostgres(this.db), (q) => q.forUpdate())
      .executeTakeFirst();
  }

  runs(filter: { incidentId?: string; drillId?: string; playbookId?: string; status?: string; limit?: number; before?: string }): Promise<PlaybookRunsTable[]> {
    return this.db
      .selectFrom('playbook_runs')
      .selectAll()
      .$if(!!filter.incidentId, (q) => q.where('incident_id', '=', filter.incidentId!))
      .$if(!!filter.drillId, (q) => q.where('drill_id', '=', filter.drillId!))
      .$if(!!filter.playbookId, (q) => q.where('playbook_id', '=', filter.playbookId!))
      .$if(!!filter.status, (q) => q.where('status', '=', filter.status as PlaybookRunsTable['status']))
      .$if(!!filter.before, (q) => q.where('id', '<', filter.before!))
      .orderBy('id', 'desc')
      .$if(filter.limit !== undefined, (q) => q.limit(filter.limit!))
      .execute();
  }

  /** Open runs of an incident (running or waiting), for the event listeners. */
  openRuns(incidentId: string): Promise<PlaybookRunsTable[]> {
    return this.db.selectFrom('playbook_runs').selectAll().where('incident_id', '=', incidentId).where('status', 'in', ['running', 'waiting']).execute();
  }

  /** Playbook ids that already ran (or run) on the incident. */
  async playbooksRunOn(incidentId: string): Promise<Set<string>> {
    const rows = await this.db.selectFrom('playbook_runs').select('playbook_id').where('incident_id', '=', incidentId).execute();
    return new Set(rows.map((r) => r.playbook_id));
  }

  async updateRun(id: string, changes: Partial<Omit<PlaybookRunsTable, 'id'>>): Promise<void> {
    await this.db.updateTable('playbook_runs').set(changes).where('id', '=', id).execute();
  }

  steps(runIds: string[]): Promise<PlaybookRunStepsTable[]> {
    if (!runIds.length) return Promise.resolve([]);
    return this.db.selectFrom('playbook_run_steps').selectAll().where('run_id', 'in', runIds).orderBy('run_id').orderBy('seq').execute();
  }

  step(runId: string, stepId: string): Promise<PlaybookRunStepsTable | undefined> {
    return this.db.selectFrom('playbook_run_steps').selectAll().where('run_id', '=', runId).where('step_id', '=', stepId).executeTakeFirst();
  }

  stepByTask(taskId: string): Promise<PlaybookRunStepsTable | undefined> {
    return this.db.selectFrom('playbook_run_steps').selectAll().where('task_id', '=', taskId).executeTakeFirst();
  }

  async stepCount(runId: string): Promise<number> {
    const row = await this.db.selectFrom('playbook_run_steps').select((eb) => eb.fn.countAll<number>().as('n')).where('run_id', '=', runId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Inserts a step row unless the run already reached that step (a repeated advance does nothing). */
  async insertStep(row: PlaybookRunStepsTable): Promise<boolean> {
    const result = await this.db.insertInto('playbook_run_steps').values(row).onConflict((oc) => oc.columns(['run_id', 'step_id']).doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async updateStep(runId: string, stepId: string, changes: Partial<Omit<PlaybookRunStepsTable, 'run_id' | 'step_id'>>): Promise<void> {
    await this.db.updateTable('playbook_run_steps').set(changes).where('run_id', '=', runId).where('step_id', '=', stepId).execute();
  }
}
