import type { Json } from '../../platform/db/tables.js';

/**
 * An assessment of a vendor against one template version. due_at is a calendar date (YYYY-MM-DD);
 * scores is the JSON result of scoring at close (null before).
 */
export interface AssessmentsTable {
  id: string;
  vendor_id: string;
  template_id: string;
  template_version: number;
  /** draft, sent, in_progress, submitted, in_review, closed, cancelled (see assessments.workflow.ts). */
  status: string;
  due_at: string | null;
  scores: Json | null;
  sent_at: string | null;
  submitted_at: string | null;
  closed_at: string | null;
  cancelled_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** The current answer to one question of an assessment. */
export interface AssessmentAnswersTable {
  assessment_id: string;
  question_id: string;
  /** JSON of the value, typed by the question (see questionnaires.model.ts). */
  value: Json;
  /** JSON object of what the answer produced (e.g. { sbomId } for an SBOM answer). */
  meta: Json;
  /** draft (saved, not yet submitted), submitted, accepted (locked), rejected (back to the vendor). */
  state: string;
  /** The reviewer's comment with the verdict. */
  comment: string | null;
  answered_at: string;
  answered_by: string;
  reviewed_at: string | null;
  reviewed_by: string | null;
}

export interface AssessmentRemediationsTable {
  id: string;
  assessment_id: string;
  vendor_id: string;
  question_id: string | null;
  title: string;
  description: string;
  /** Calendar date (YYYY-MM-DD). */
  due_at: string | null;
  /** open, closed. */
  status: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: string | null;
}

export interface AssessmentTables {
  assessments: AssessmentsTable;
  assessment_answers: AssessmentAnswersTable;
  assessment_remediations: AssessmentRemediationsTable;
}
