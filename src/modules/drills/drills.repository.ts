import { isPostgres } from '../../platform/db/database.js';
import type { Executor } from '../../platform/db/schema.js';
import { ESTATE } from '../sboms/sboms.estate.js';
import type { DrillSchedulesTable, DrillsTable } from './drills.tables.js';

export type DrillRow = DrillsTable & { vendor_name: string | null };

export interface DrillFilter {
  playbookId?: string;
  vendorId?: string;
  status?: string;
}

/** Every query of the drills module. */
export class DrillRepository {
  constructor(private readonly db: Executor) {}

  private base() {
    return this.db.selectFrom('drills').leftJoin('vendors', 'vendors.id', 'drills.vendor_id').selectAll('drills').select('vendors.name as vendor_name');
  }

  async byId(id: string, options: { lock?: boolean } = {}): Promise<DrillRow | undefined> {
    return this.base()
      .where('drills.id', '=', id)
      .$if(Boolean(options.lock) && isPostgres(this.db), (q) => q.forUpdate('drills'))
      .executeTakeFirst();
  }

  async insert(row: DrillsTable): Promise<void> {
    await this.db.insertInto('drills').values(row).execute();
  }

  async update(id: string, changes: Partial<DrillsTable>): Promise<void> {
    await this.db.updateTable('drills').set(changes).where('id', '=', id).execute();
  }

  /** Newest first (ids are time-ordered); `before` is the last id of the previous page. */
  async list(filter: DrillFilter, before: string | null, limit: number): Promise<DrillRow[]> {
    let query = this.base();
    if (filter.playbookId) query = query.where('drills.playbook_id', '=', filter.playbookId);
    if (filter.vendorId) query = query.where('drills.vendor_id', '=', filter.vendorId);
    if (filter.status) query = query.where('drills.status', '=', filter.status);
    if (before) query = query.where('drills.id', '<', before);
    return query.orderBy('drills.id', 'desc').limit(limit + 1).execute();
  }

  async vendor(id: string): Promise<{ id: string; name: string; tier: string } | undefined> {
    return this.db.selectFrom('vendors').select(['id', 'name', 'tier']).where('id', '=', id).executeTakeFirst();
  }

  /** The vendor of the tier drilled least recently (never drilled first, then by name): scheduled drills rotate through the tier. */
  async vendorToDrill(tier: string): Promise<{ id: string; name: string; tier: string } | undefined> {
    return this.db
      .selectFrom('vendors')
      .leftJoin(
        (eb) => eb.selectFrom('drills').select((e) => ['vendor_id', e.fn.max('started_at').as('last')]).groupBy('vendor_id').as('d'),
        (join) => join.onRef('d.vendor_id', '=', 'vendors.id'),
      )
      .select(['vendors.id', 'vendors.name', 'vendors.tier'])
      .where('vendors.tier', '=', tier)
      // The organisation's own estate is stored as a vendor; it is not one to drill a vendor incident against.
      .where('vendors.id', '!=', ESTATE.vendorId)
      .where('vendors.status', '!=', 'terminated')
      .orderBy((eb) => eb.fn.coalesce('d.last', eb.val('')))
      .orderBy('vendors.name')
      .orderBy('vendors.id')
      .executeTakeFirst();
  }

  // Schedules.

  async schedules(): Promise<DrillSchedulesTable[]> {
    return this.db.selectFrom('drill_schedules').selectAll().orderBy('tier').orderBy('created_at').execute();
  }

  async schedule(id: string): Promise<DrillSchedulesTable | undefined> {
    return this.db.selectFrom('drill_schedules').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async scheduleFor(tier: string, playbookId: string): Promise<DrillSchedulesTable | undefined> {
    return this.db.selectFrom('drill_schedules').selectAll().where('tier', '=', tier).where('playbook_id', '=', playbookId).executeTakeFirst();
  }

  async insertSchedule(row: DrillSchedulesTable): Promise<void> {
    await this.db.insertInto('drill_schedules').values(row).execute();
  }

  async updateSchedule(id: string, changes: Partial<DrillSchedulesTable>): Promise<void> {
    await this.db.updateTable('drill_schedules').set(changes).where('id', '=', id).execute();
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.db.deleteFrom('drill_schedules').where('id', '=', id).execute();
  }

  async dueSchedules(now: string): Promise<DrillSchedulesTable[]> {
    return this.db.selectFrom('drill_schedules').selectAll().where('enabled', '=', 1).where('next_run_at', '<=', now).orderBy('next_run_at').limit(100).execute();
  }

  /**
   * Moves a due schedule on, only if nobody else did since it was read: the scheduler on another
   * replica that loses this race starts nothing. True when this caller won.
   */
  async claimSchedule(id: string, dueAt: string, changes: Partial<DrillSchedulesTable>): Promise<boolean> {
    const result = await this.db.updateTable('drill_schedules').set(changes).where('id', '=', id).where('next_run_at', '=', dueAt).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
