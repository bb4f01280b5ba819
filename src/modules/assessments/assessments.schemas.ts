import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Uuid = Type.String({ pattern: UUID_PATTERN });
const QuestionId = Type.String({ pattern: '^[a-z0-9-]+$', minLength: 1, maxLength: 100, description: 'A question id of the assessment\'s template version.' });
/** A calendar date, or a date-time (its UTC date is kept). */
const DueDate = Type.Union([Type.String({ format: 'date' }), Type.String({ format: 'date-time' })], { description: 'Calendar date (YYYY-MM-DD); a date-time is taken as its UTC date.' });

export const ASSESSMENT_STATUSES = ['draft', 'sent', 'in_progress', 'submitted', 'in_review', 'closed', 'cancelled'] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];
export const ANSWER_STATES = ['draft', 'submitted', 'accepted', 'rejected'] as const;
export type AnswerState = (typeof ANSWER_STATES)[number];

const SectionScore = Type.Object({ title: Type.String(), score: Nullable(Type.Number()), answered: Type.Integer(), total: Type.Integer() });
export const ScoresSchema = Type.Object({
  overall: Nullable(Type.Number()),
  sections: Type.Array(SectionScore),
  controls: Type.Array(Type.Object({ label: Type.String(), status: Type.String({ description: 'met, partial, not-met, unanswered, na' }) })),
});
export type Scores = Static<typeof ScoresSchema>;

export const ProgressSchema = Type.Object({
  answered: Type.Integer({ description: 'Visible questions answered.' }),
  total: Type.Integer({ description: 'Questions visible with the answers given so far (conditional ones count when shown).' }),
  required: Type.Integer({ description: 'Required visible questions.' }),
  requiredAnswered: Type.Integer(),
});

export const AssessmentSchema = Type.Object({
  id: Type.String(),
  vendorId: Type.String(),
  vendorName: Type.String(),
  templateId: Type.String(),
  templateName: Type.String(),
  templateVersion: Type.Integer({ description: 'The template version the assessment was created from; its answers keep it.' }),
  status: Type.String({ description: ASSESSMENT_STATUSES.join(', ') }),
  dueAt: Nullable(Type.String()),
  overdue: Type.Boolean({ description: 'Due date passed while the vendor still owes the answers (draft, sent, in_progress).' }),
  sentAt: Nullable(Type.String()),
  submittedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  cancelledAt: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  scores: Nullable(ScoresSchema),
  progress: ProgressSchema,
});
export type Assessment = Static<typeof AssessmentSchema>;

export const AnswerSchema = Type.Object({
  questionId: Type.String(),
  value: Type.Unknown({ description: 'Typed by the question: see the template model.' }),
  meta: Type.Record(Type.String(), Type.Unknown(), { description: 'What the answer produced, e.g. { sbomId } for an SBOM answer.' }),
  compliance: Type.String({ description: 'met, partial, not-met, na or unanswered: the answer against what the question counts as compliant (a rejected answer is not met), as of the submission.' }),
  state: Type.String({ description: ANSWER_STATES.join(', ') }),
  comment: Nullable(Type.String()),
  answeredAt: Type.String(),
  answeredBy: Type.String(),
  reviewedAt: Nullable(Type.String()),
  reviewedBy: Nullable(Type.String()),
});
export type Answer = Static<typeof AnswerSchema>;

export const AssessmentDetailSchema = Type.Object({
  ...AssessmentSchema.properties,
  answers: Type.Array(AnswerSchema),
  visibleQuestions: Type.Array(Type.String(), { description: 'Ids of the questions the answers so far show, in template order (conditional ones only when their condition holds).' }),
  evidence: Type.Array(
    Type.Object({ fileId: Type.String(), name: Type.String(), sha256: Type.String(), mediaType: Type.String() }),
    { description: 'The stored files the answers name (file answers and SBOM documents).' },
  ),
});
export type AssessmentDetail = Static<typeof AssessmentDetailSchema>;

export const CreateAssessmentBody = Type.Object(
  {
    vendorId: Uuid,
    templateId: Type.String({ minLength: 1, maxLength: 36 }),
    dueAt: Type.Optional(Nullable(DueDate)),
  },
  { additionalProperties: false },
);
export type CreateAssessmentInput = Static<typeof CreateAssessmentBody>;

export const ListAssessmentsQuery = Type.Object(
  {
    vendorId: Type.Optional(Uuid),
    templateId: Type.Optional(Type.String({ minLength: 1, maxLength: 36 })),
    status: Type.Optional(Type.Enum([...ASSESSMENT_STATUSES, 'open'], { description: 'One status, or open = not closed and not cancelled.' })),
    overdue: Type.Optional(Type.Boolean()),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListAssessmentsQueryType = Static<typeof ListAssessmentsQuery>;

export const AnswerInput = Type.Object({ questionId: QuestionId, value: Type.Unknown({ description: 'Typed by the question; null clears the answer.' }) }, { additionalProperties: false });
export const SaveAnswersBody = Type.Object({ answers: Type.Array(AnswerInput, { minItems: 1, maxItems: 500 }) }, { additionalProperties: false });
export type AnswerInputType = { questionId: string; value: unknown };

export const ReviewBody = Type.Object(
  {
    decisions: Type.Array(
      Type.Object(
        {
          questionId: QuestionId,
          verdict: Type.Enum(['accept', 'reject']),
          comment: Type.Optional(Type.String({ maxLength: 5000 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 500 },
    ),
    close: Type.Optional(Type.Boolean({ description: 'Close the assessment: every answered question must have a verdict; scores are computed and stored.' })),
  },
  { additionalProperties: false },
);
export type ReviewInput = Static<typeof ReviewBody>;

export const RemediationSchema = Type.Object({
  id: Type.String(),
  assessmentId: Type.String(),
  vendorId: Type.String(),
  vendorName: Type.String(),
  questionId: Nullable(Type.String()),
  title: Type.String(),
  description: Type.String(),
  dueAt: Nullable(Type.String()),
  overdue: Type.Boolean(),
  status: Type.String({ description: 'open, closed' }),
  createdBy: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  closedAt: Nullable(Type.String()),
  closedBy: Nullable(Type.String()),
});
export type Remediation = Static<typeof RemediationSchema>;

export const CreateRemediationBody = Type.Object(
  {
    questionId: Type.Optional(Nullable(QuestionId)),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    dueAt: Type.Optional(Nullable(DueDate)),
  },
  { additionalProperties: false },
);
export type CreateRemediationInput = Static<typeof CreateRemediationBody>;

export const UpdateRemediationBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    description: Type.Optional(Type.String({ maxLength: 20000 })),
    dueAt: Type.Optional(Nullable(DueDate)),
    status: Type.Optional(Type.Enum(['open', 'closed'])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateRemediationInput = Static<typeof UpdateRemediationBody>;

export const ListRemediationsQuery = Type.Object(
  { vendorId: Type.Optional(Uuid), status: Type.Optional(Type.Enum(['open', 'closed'])) },
  { additionalProperties: false },
);

export const AssessmentIdParams = Type.Object({ id: Uuid });
