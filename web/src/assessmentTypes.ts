/** Shapes of the assessments API (and the template content it is answered against) as the UI uses them. */

export const ASSESSMENT_STATUSES = ['draft', 'sent', 'in_progress', 'submitted', 'in_review', 'closed', 'cancelled'] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];
/** Statuses in which an analyst may still enter answers on the vendor's behalf. */
export const ANSWERABLE = ['draft', 'sent', 'in_progress'];
export const REVIEWABLE = ['submitted', 'in_review'];
export const OPEN = ['draft', 'sent', 'in_progress', 'submitted', 'in_review'];

// The template content an assessment is answered against is the questionnaire module's.
export type { Question, QuestionType, Section, TemplateVersion } from './questionnaireTypes.js';

export interface Scores {
  overall: number | null;
  sections: Array<{ title: string; score: number | null; answered: number; total: number }>;
  controls: Array<{ label: string; status: string }>;
}

export interface Assessment {
  id: string;
  vendorId: string;
  vendorName: string;
  templateId: string;
  templateName: string;
  templateVersion: number;
  status: AssessmentStatus;
  dueAt: string | null;
  overdue: boolean;
  sentAt: string | null;
  submittedAt: string | null;
  closedAt: string | null;
  cancelledAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  scores: Scores | null;
  progress: { answered: number; total: number; required: number; requiredAnswered: number };
}

export interface Answer {
  questionId: string;
  value: unknown;
  meta: Record<string, unknown>;
  compliance: 'met' | 'partial' | 'not-met' | 'na' | 'unanswered';
  state: 'draft' | 'submitted' | 'accepted' | 'rejected';
  comment: string | null;
  answeredAt: string;
  answeredBy: string;
  reviewedAt: string | null;
  reviewedBy: string | null;
}

export interface EvidenceFile {
  fileId: string;
  name: string;
  sha256: string;
  mediaType: string;
}

export interface AssessmentDetail extends Assessment {
  answers: Answer[];
  visibleQuestions: string[];
  evidence: EvidenceFile[];
}

export interface Remediation {
  id: string;
  assessmentId: string;
  vendorId: string;
  vendorName: string;
  questionId: string | null;
  title: string;
  description: string;
  dueAt: string | null;
  overdue: boolean;
  status: 'open' | 'closed';
  createdBy: string;
  createdAt: string;
  closedAt: string | null;
  closedBy: string | null;
}

export const statusLabel = (s: string) => s.replace(/_/g, ' ');
