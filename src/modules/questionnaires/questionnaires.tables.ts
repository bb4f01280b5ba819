import type { Json } from '../../platform/db/tables.js';

/**
 * A questionnaire template: what stays the same across its versions. Shipped templates carry a
 * key (unique) and the hash of the shipped content last applied, so a start-up applies a changed
 * shipped content once, as a new version.
 */
export interface AssessmentTemplatesTable {
  id: string;
  key: string | null;
  name: string;
  description: string;
  current_version: number;
  /** SHA-256 of the shipped content last applied (shipped templates only). */
  shipped_sha256: string | null;
  created_at: string;
  updated_at: string;
}

/** One immutable version (append-only in the database): assessments point at (template_id, version). */
export interface AssessmentTemplateVersionsTable {
  template_id: string;
  version: number;
  name: string;
  description: string;
  /** JSON Section[] (see questionnaires.model.ts). */
  content: Json;
  /** SHA-256 of content: an edit that changes nothing makes no version. */
  content_sha256: string;
  created_at: string;
  created_by: string;
}

export interface QuestionnaireTables {
  assessment_templates: AssessmentTemplatesTable;
  assessment_template_versions: AssessmentTemplateVersionsTable;
}
