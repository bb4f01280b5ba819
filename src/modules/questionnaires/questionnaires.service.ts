import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson, recordAudit } from '../../platform/audit/audit.js';
import type { RequestContext } from '../../platform/context.js';
import type { DB, Executor } from '../../platform/db/schema.js';
import { conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { controlsOf, validateTemplateContent, type Section, type TemplateVersion } from './questionnaires.model.js';
import { QuestionnaireRepository, type VersionRow } from './questionnaires.repository.js';
import { EXPORT_FORMAT, type CreateTemplateInput, type TemplateExport, type UpdateTemplateInput } from './questionnaires.schemas.js';
import { SHIPPED_TEMPLATES, type ShippedTemplate } from './questionnaires.shipped.js';

/** created_by of the versions Thirdwatch itself wrote from a shipped template. */
export const SHIPPED_BY = 'thirdwatch (shipped template)';

export type TemplateSummary = TemplateVersion & { updatedAt: string; questionCount: number; controlCount: number };
export type TemplateDetail = TemplateVersion & {
  currentVersion: number;
  updatedAt: string;
  controls: string[];
  /** Mapped labels no imported catalog holds (a typo, or a catalog not imported yet); null when no catalog is imported. */
  unknownControls: string[] | null;
  versions: Array<{ version: number; createdAt: string; createdBy: string }>;
};

/** The imported control catalogs (the controls module), for checking the labels a template maps. */
export interface ControlCatalog {
  catalogs(): Promise<unknown[]>;
  byLabels(labels: string[]): Promise<ReadonlyMap<string, unknown>>;
}

const sha256 = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex');
const questionCount = (sections: Section[]) => sections.reduce((n, s) => n + s.questions.length, 0);

function present(row: VersionRow): TemplateVersion {
  return {
    id: row.template_id,
    key: row.key,
    name: row.name,
    description: row.description,
    version: Number(row.version),
    sections: JSON.parse(row.content) as Section[],
    createdAt: row.created_at,
  };
}

/** What the audit trail keeps of a version: the content itself stays in its immutable row. */
const auditView = (v: { name: string; version: number; sections: Section[] }) => ({
  name: v.name,
  version: v.version,
  sections: v.sections.length,
  questions: questionCount(v.sections),
  contentSha256: sha256(v.sections),
});

/**
 * Questionnaire templates, versioned: a version never changes once written (the table is
 * append-only), an edit writes the next version, and assessments keep the version they were sent
 * with. Other modules read templates through getVersion and list.
 */
export class QuestionnaireService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly catalog?: ControlCatalog,
  ) {}

  private repo(executor: Executor = this.db) {
    return new QuestionnaireRepository(executor);
  }

  /** Every template at its current version, by name. */
  async list(): Promise<TemplateSummary[]> {
    return (await this.repo().current()).map((row) => {
      const version = present(row);
      return { ...version, updatedAt: row.updated_at, questionCount: questionCount(version.sections), controlCount: controlsOf(version.sections).length };
    });
  }

  /** One version of a template, the current one when version is omitted; 404 problem when missing. */
  async getVersion(templateId: string, version?: number, executor: Executor = this.db): Promise<TemplateVersion> {
    const row = await this.repo(executor).version(templateId, version);
    if (!row) throw version === undefined ? notFound('questionnaire template', templateId) : notFound(`version ${version} of questionnaire template`, templateId);
    return present(row);
  }

  /** The id of the template with this key (shipped templates have one), or null. */
  async idOfKey(key: string, executor: Executor = this.db): Promise<string | null> {
    return (await this.repo(executor).byKey(key))?.id ?? null;
  }

  /** getVersion plus the template's version history and the controls the version maps. */
  async get(templateId: string, version?: number): Promise<TemplateDetail> {
    const row = await this.repo().version(templateId, version);
    if (!row) throw version === undefined ? notFound('questionnaire template', templateId) : notFound(`version ${version} of questionnaire template`, templateId);
    const shown = present(row);
    const controls = controlsOf(shown.sections);
    const [history, unknownControls] = await Promise.all([this.repo().history(templateId), this.unknownControls(controls)]);
    return {
      ...shown,
      currentVersion: Number(row.current_version),
      updatedAt: row.updated_at,
      controls,
      unknownControls,
      versions: history.map((h) => ({ version: Number(h.version), createdAt: h.created_at, createdBy: h.created_by })),
    };
  }

  private async unknownControls(labels: string[]): Promise<string[] | null> {
    if (!this.catalog || !(await this.catalog.catalogs()).length) return null;
    const known = await this.catalog.byLabels(labels);
    return labels.filter((label) => !known.has(label));
  }

  async create(input: CreateTemplateInput, ctx: RequestContext, action = 'assessment-template.create'): Promise<TemplateDetail> {
    const sections = validateTemplateContent(input.sections);
    const id = newId();
    const now = new Date().toISOString();
    const description = input.description ?? '';
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      await repo.insertTemplate({ id, key: null, name: input.name, description, current_version: 1, shipped_sha256: null, created_at: now, updated_at: now });
      await repo.insertVersion({ template_id: id, version: 1, name: input.name, description, content: JSON.stringify(sections), content_sha256: sha256(sections), created_at: now, created_by: ctx.actor.name });
      await recordAudit(trx, ctx, { action, entityType: 'assessment-template', entityId: id, after: auditView({ name: input.name, version: 1, sections }) });
    });
    return this.get(id);
  }

  /**
   * Saves an edit as the next version. An edit that changes nothing writes nothing and answers the
   * current version; baseVersion, when given, must still be the current version (409 otherwise).
   */
  async update(id: string, input: UpdateTemplateInput, ctx: RequestContext): Promise<TemplateDetail> {
    const sections = validateTemplateContent(input.sections);
    await this.db.transaction().execute(async (trx) => {
      const repo = this.repo(trx);
      const current = await repo.version(id);
      if (!current) throw notFound('questionnaire template', id);
      const from = Number(current.version);
      if (input.baseVersion !== undefined && input.baseVersion !== from) {
        throw conflict(`version ${from} of this template was saved after version ${input.baseVersion} you edited: reload it and apply your changes again`);
      }
      const name = input.name ?? current.name;
      const description = input.description ?? current.description;
      if (name === current.name && description === current.description && sha256(sections) === current.content_sha256) return;
      if (!(await this.writeVersion(trx, { id, from, name, description, sections, createdBy: ctx.actor.name }))) {
        throw conflict('someone saved a new version of this template at the same moment: reload it and apply your changes again');
      }
      await recordAudit(trx, ctx, {
        action: 'assessment-template.version',
        entityType: 'assessment-template',
        entityId: id,
        before: auditView({ name: current.name, version: from, sections: JSON.parse(current.content) as Section[] }),
        after: auditView({ name, version: from + 1, sections }),
      });
    });
    return this.get(id);
  }

  /** Writes version from + 1; false (nothing written) when another writer advanced the template first. */
  private async writeVersion(
    trx: Executor,
    v: { id: string; from: number; name: string; description: string; sections: Section[]; createdBy: string; shippedSha256?: string },
  ): Promise<boolean> {
    const now = new Date().toISOString();
    const repo = this.repo(trx);
    if (!(await repo.advance(v.id, v.from, { name: v.name, description: v.description, updated_at: now, ...(v.shippedSha256 ? { shipped_sha256: v.shippedSha256 } : {}) }))) return false;
    await repo.insertVersion({
      template_id: v.id,
      version: v.from + 1,
      name: v.name,
      description: v.description,
      content: JSON.stringify(v.sections),
      content_sha256: sha256(v.sections),
      created_at: now,
      created_by: v.createdBy,
    });
    return true;
  }

  /** A version as a JSON document that import reads back (same content, new template). */
  async exportTemplate(id: string, version?: number): Promise<TemplateExport> {
    const v = await this.getVersion(id, version);
    return { format: EXPORT_FORMAT, formatVersion: 1, key: v.key, name: v.name, description: v.description, version: v.version, exportedAt: new Date().toISOString(), sections: v.sections };
  }

  /** Imports an exported template as a new template (version 1): its key and version are informational. */
  async importTemplate(doc: TemplateExport, ctx: RequestContext): Promise<TemplateDetail> {
    return this.create({ name: doc.name, description: doc.description, sections: doc.sections }, ctx, 'assessment-template.import');
  }

  /**
   * Brings the shipped templates into the database: creates the missing ones, and when a release
   * changed a shipped template's content, adds it as a new version, unless someone edited the
   * template here (their version stays current; the shipped change is skipped). Safe to run from
   * several processes at once: the key is unique and versions advance conditionally.
   */
  async syncShipped(ctx: RequestContext, shipped: readonly ShippedTemplate[] = SHIPPED_TEMPLATES): Promise<{ created: string[]; updated: string[]; kept: string[] }> {
    const outcome = { created: [] as string[], updated: [] as string[], kept: [] as string[] };
    for (const template of shipped) {
      const existing = await this.repo().byKey(template.key);
      // Every start runs this: shipped templates are written in their validated form (a test keeps
      // them so), so one already in is recognised without validating it again.
      if (existing?.shipped_sha256 === sha256({ name: template.name, description: template.description, sections: template.sections })) continue;
      const sections = validateTemplateContent(template.sections);
      const shippedSha256 = sha256({ name: template.name, description: template.description, sections });
      if (existing?.shipped_sha256 === shippedSha256) continue;
      await this.db.transaction().execute(async (trx) => {
        const repo = this.repo(trx);
        const now = new Date().toISOString();
        if (!existing) {
          const id = newId();
          if (!(await repo.insertTemplate({ id, key: template.key, name: template.name, description: template.description, current_version: 1, shipped_sha256: shippedSha256, created_at: now, updated_at: now }))) return;
          await repo.insertVersion({ template_id: id, version: 1, name: template.name, description: template.description, content: JSON.stringify(sections), content_sha256: sha256(sections), created_at: now, created_by: SHIPPED_BY });
          await recordAudit(trx, ctx, { action: 'assessment-template.ship', entityType: 'assessment-template', entityId: id, after: auditView({ name: template.name, version: 1, sections }) });
          outcome.created.push(template.key);
          return;
        }
        const current = await repo.version(existing.id);
        if (!current || current.created_by !== SHIPPED_BY) {
          outcome.kept.push(template.key);
          return;
        }
        const from = Number(current.version);
        if (!(await this.writeVersion(trx, { id: existing.id, from, name: template.name, description: template.description, sections, createdBy: SHIPPED_BY, shippedSha256 }))) return;
        await recordAudit(trx, ctx, {
          action: 'assessment-template.ship',
          entityType: 'assessment-template',
          entityId: existing.id,
          before: auditView({ name: current.name, version: from, sections: JSON.parse(current.content) as Section[] }),
          after: auditView({ name: template.name, version: from + 1, sections }),
        });
        outcome.updated.push(template.key);
      });
    }
    return outcome;
  }
}
