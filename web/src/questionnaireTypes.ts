/** Questionnaire templates as the API answers them (src/modules/questionnaires/questionnaires.model.ts). */
export const QUESTION_TYPES = ['yesno', 'choice', 'multichoice', 'number', 'date', 'text', 'file', 'sbom'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  yesno: 'Yes / no / partial / n.a.',
  choice: 'One choice',
  multichoice: 'Several choices',
  number: 'Number',
  date: 'Date',
  text: 'Text',
  file: 'File (evidence)',
  sbom: 'SBOM document',
};

export const YESNO_ANSWERS = ['yes', 'no', 'partial', 'na'] as const;

export interface Question {
  id: string;
  text: string;
  help?: string;
  type: QuestionType;
  controls: string[];
  iso27036?: string[];
  weight: number;
  required: boolean;
  options?: string[];
  unit?: string;
  perService?: boolean;
  compliant?: { anyOf?: string[]; min?: number; max?: number; withinDays?: number };
  showWhen?: { questionId: string; anyOf: string[] };
  tags?: string[];
}

export interface Section {
  title: string;
  description?: string;
  questions: Question[];
}

export interface TemplateVersion {
  id: string;
  key: string | null;
  name: string;
  description: string;
  version: number;
  sections: Section[];
  createdAt: string;
}

export interface TemplateSummary extends TemplateVersion {
  updatedAt: string;
  questionCount: number;
  controlCount: number;
}

export interface TemplateDetail extends TemplateVersion {
  currentVersion: number;
  updatedAt: string;
  controls: string[];
  /** Mapped labels no imported catalog holds; null when no catalog is imported. */
  unknownControls: string[] | null;
  versions: Array<{ version: number; createdAt: string; createdBy: string }>;
}
