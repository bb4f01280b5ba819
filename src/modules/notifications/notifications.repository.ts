import type { Executor } from '../../platform/db/schema.js';
import type { NotificationChannelsTable, NotificationDeliveriesTable, NotificationOutboxTable, NotificationTemplatesTable } from './notifications.tables.js';

export type OutboxRecord = NotificationOutboxTable;
export type ChannelRow = NotificationChannelsTable;
export type DeliveryRow = NotificationDeliveriesTable & { channel_name: string; event: string; subject: string };

export interface OutboxFilter {
  status?: string;
  channelId?: string;
  incidentId?: string;
  /** A drill's rows; without it only real ones (drill_id is null). */
  drillId?: string;
}

export class NotificationRepository {
  constructor(private readonly db: Executor) {}

  // Channels.

  channels(): Promise<ChannelRow[]> {
    return this.db.selectFrom('notification_channels').selectAll().orderBy('name').execute();
  }

  channel(id: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('notification_channels').selectAll().where('id', '=', id).executeTakeFirst();
  }

  channelByName(name: string): Promise<ChannelRow | undefined> {
    return this.db.selectFrom('notification_channels').selectAll().where('name', '=', name).executeTakeFirst();
  }

  enabledChannels(): Promise<ChannelRow[]> {
    return this.db.selectFrom('notification_channels').selectAll().where('enabled', '=', 1).orderBy('name').execute();
  }

  async insertChannel(row: ChannelRow): Promise<void> {
    await this.db.insertInto('notification_channels').values(row).execute();
  }

  async updateChannel(id: string, changes: Partial<ChannelRow>): Promise<void> {
    await this.db.updateTable('notification_channels').set(changes).where('id', '=', id).execute();
  }

  async deleteChannel(id: string): Promise<void> {
    await this.db.deleteFrom('notification_channels').where('id', '=', id).execute();
  }

  /** The newest attempt of each channel. */
  async lastDeliveries(): Promise<Map<string, NotificationDeliveriesTable>> {
    const newest = this.db.selectFrom('notification_deliveries').select((eb) => ['channel_id', eb.fn.max('id').as('id')]).groupBy('channel_id');
    const rows = await this.db
      .selectFrom('notification_deliveries')
      .innerJoin(newest.as('newest'), 'newest.id', 'notification_deliveries.id')
      .selectAll('notification_deliveries')
      .execute();
    return new Map(rows.map((r) => [r.channel_id, r]));
  }

  // Templates.

  templates(): Promise<NotificationTemplatesTable[]> {
    return this.db.selectFrom('notification_templates').selectAll().orderBy('event').execute();
  }

  template(event: string): Promise<NotificationTemplatesTable | undefined> {
    return this.db.selectFrom('notification_templates').selectAll().where('event', '=', event).executeTakeFirst();
  }

  async putTemplate(row: NotificationTemplatesTable): Promise<void> {
    await this.db
      .insertInto('notification_templates')
      .values(row)
      .onConflict((oc) => oc.column('event').doUpdateSet({ subject: row.subject, body: row.body, updated_by: row.updated_by, updated_at: row.updated_at }))
      .execute();
  }

  async deleteTemplate(event: string): Promise<void> {
    await this.db.deleteFrom('notification_templates').where('event', '=', event).execute();
  }

  // Outbox and deliveries.

  async insertOutbox(rows: OutboxRecord[]): Promise<void> {
    if (rows.length) await this.db.insertInto('notification_outbox').values(rows).execute();
  }

  outbox(id: string): Promise<OutboxRecord | undefined> {
    return this.db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Moves a message on from the state an attempt read, so two workers never both record one attempt. */
  async settleOutbox(id: string, expectedAttempts: number, changes: Partial<OutboxRecord>): Promise<boolean> {
    const result = await this.db
      .updateTable('notification_outbox')
      .set(changes)
      .where('id', '=', id)
      .where('attempts', '=', expectedAttempts)
      .where('status', 'in', ['pending', 'failed'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async updateOutbox(id: string, changes: Partial<OutboxRecord>): Promise<void> {
    await this.db.updateTable('notification_outbox').set(changes).where('id', '=', id).execute();
  }

  /** Newest first; `before` is the last id of the previous page. */
  listOutbox(filter: OutboxFilter, before: string | null, limit: number): Promise<OutboxRecord[]> {
    let query = this.db.selectFrom('notification_outbox').selectAll();
    query = filter.drillId ? query.where('drill_id', '=', filter.drillId) : query.where('drill_id', 'is', null);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.channelId) query = query.where('channel_id', '=', filter.channelId);
    if (filter.incidentId) query = query.where('incident_id', '=', filter.incidentId);
    if (before) query = query.where('id', '<', before);
    return query.orderBy('id', 'desc').limit(limit + 1).execute();
  }

  /** A drill's captured messages, in the order they were recorded. */
  capturedOf(drillId: string): Promise<OutboxRecord[]> {
    return this.db.selectFrom('notification_outbox').selectAll().where('drill_id', '=', drillId).orderBy('id').execute();
  }

  async insertDelivery(row: NotificationDeliveriesTable): Promise<void> {
    await this.db.insertInto('notification_deliveries').values(row).execute();
  }

  listDeliveries(filter: { channelId?: string; outboxId?: string; outcome?: string }, before: string | null, limit: number): Promise<DeliveryRow[]> {
    let query = this.db
      .selectFrom('notification_deliveries')
      .innerJoin('notification_outbox', 'notification_outbox.id', 'notification_deliveries.outbox_id')
      .selectAll('notification_deliveries')
      .select(['notification_outbox.channel_name', 'notification_outbox.event', 'notification_outbox.subject']);
    if (filter.channelId) query = query.where('notification_deliveries.channel_id', '=', filter.channelId);
    if (filter.outboxId) query = query.where('notification_deliveries.outbox_id', '=', filter.outboxId);
    if (filter.outcome) query = query.where('notification_deliveries.outcome', '=', filter.outcome);
    if (before) query = query.where('notification_deliveries.id', '<', before);
    return query.orderBy('notification_deliveries.id', 'desc').limit(limit + 1).execute();
  }
}
