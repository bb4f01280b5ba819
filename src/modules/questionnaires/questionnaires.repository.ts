import type { Executor } from '../../platform/db/schema.js';
import type { AssessmentTemplatesTable, AssessmentTemplateVersionsTable } from './questionnaires.tables.js';

export type VersionRow = AssessmentTemplateVersionsTable & { key: string | null; current_version: number; updated_at: string };

export class QuestionnaireRepository {
  constructor(private readonly db: Executor) {}

  private versions() {
    return this.db
      .selectFrom('assessment_template_versions as v')
      .innerJoin('assessment_templates as t', 't.id', 'v.template_id')
      .selectAll('v')
      .select(['t.key', 't.current_version', 't.updated_at']);
  }

  /** Every template at its current version, by name. */
  async current(): Promise<VersionRow[]> {
    return this.versions().whereRef('v.version', '=', 't.current_version').orderBy('v.name').orderBy('v.template_id').execute();
  }

  /** One version, or the current one when version is omitted. */
  async version(templateId: string, version?: number): Promise<VersionRow | undefined> {
    const query = this.versions().where('v.template_id', '=', templateId);
    return (version === undefined ? query.whereRef('v.version', '=', 't.current_version') : query.where('v.version', '=', version)).executeTakeFirst();
  }

  async history(templateId: string): Promise<Array<{ version: number; created_at: string; created_by: string }>> {
    return this.db
      .selectFrom('assessment_template_versions')
      .select(['version', 'created_at', 'created_by'])
      .where('template_id', '=', templateId)
      .orderBy('version', 'desc')
      .execute();
  }

  async template(id: string): Promise<AssessmentTemplatesTable | undefined> {
    return this.db.selectFrom('assessment_templates').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async byKey(key: string): Promise<AssessmentTemplatesTable | undefined> {
    return this.db.selectFrom('assessment_templates').selectAll().where('key', '=', key).executeTakeFirst();
  }

  /** Inserts unless the key is taken (another process seeding at the same time); true when inserted. */
  async insertTemplate(row: AssessmentTemplatesTable): Promise<boolean> {
    const result = await this.db.insertInto('assessment_templates').values(row).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async insertVersion(row: AssessmentTemplateVersionsTable): Promise<void> {
    await this.db.insertInto('assessment_template_versions').values(row).execute();
  }

  /**
   * Moves the template from version `from` to `from + 1`; false when someone else moved it first
   * (the caller then writes nothing: versions are numbered without gaps or duplicates).
   */
  async advance(id: string, from: number, changes: Pick<AssessmentTemplatesTable, 'name' | 'description' | 'updated_at'> & { shipped_sha256?: string }): Promise<boolean> {
    const result = await this.db
      .updateTable('assessment_templates')
      .set({ ...changes, current_version: from + 1 })
      .where('id', '=', id)
      .where('current_version', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
