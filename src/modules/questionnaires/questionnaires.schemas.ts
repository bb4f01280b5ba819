import { Type, type Static } from 'typebox';
import { UUID_PATTERN } from '../../platform/ids.js';

const QUESTION_TYPES = ['yesno', 'choice', 'multichoice', 'number', 'date', 'text', 'file', 'sbom'] as const;
const Short = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });
const Slug = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', description });
const Finite = Type.Number({ minimum: -1e12, maximum: 1e12 });

export const ControlLabel = Type.String({
  maxLength: 12,
  pattern: '^[A-Z]{2}-[0-9]{1,2}(\\([0-9]{1,2}\\))?$',
  description: 'an SP 800-53 control label such as SR-4 or SR-4(3)',
});

export const QuestionSchema = Type.Object(
  {
    id: Slug('lower-case letters, digits and single dashes, e.g. sbom-published'),
    text: Short(2000),
    help: Type.Optional(Type.String({ maxLength: 4000 })),
    type: Type.Enum(QUESTION_TYPES),
    controls: Type.Array(ControlLabel, { maxItems: 30 }),
    iso27036: Type.Optional(Type.Array(Type.String({ maxLength: 32, pattern: '^27036-[1-4]:[0-9]+(\\.[0-9]+)*$', description: 'an ISO/IEC 27036 clause id such as 27036-3:6.4' }), { maxItems: 20 })),
    weight: Type.Number({ minimum: 0, maximum: 100 }),
    required: Type.Boolean(),
    options: Type.Optional(Type.Array(Short(200), { minItems: 2, maxItems: 50 })),
    unit: Type.Optional(Short(40, 'hours, minutes, days or any other unit')),
    perService: Type.Optional(Type.Boolean({ description: 'one value per business service the vendor is linked to' })),
    compliant: Type.Optional(
      Type.Object(
        {
          anyOf: Type.Optional(Type.Array(Short(200), { minItems: 1, maxItems: 50 })),
          min: Type.Optional(Finite),
          max: Type.Optional(Finite),
          withinDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
        },
        { additionalProperties: false, description: 'the answers that count as compliant (yesno defaults to yes, partial is half credit)' },
      ),
    ),
    showWhen: Type.Optional(
      Type.Object(
        { questionId: Slug('the id of an earlier yesno, choice or multichoice question'), anyOf: Type.Array(Short(200), { minItems: 1, maxItems: 50 }) },
        { additionalProperties: false },
      ),
    ),
    tags: Type.Optional(Type.Array(Slug('a semantic hook such as rto, notify-hours or publishes-sbom'), { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const SectionSchema = Type.Object(
  {
    title: Short(200),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    questions: Type.Array(QuestionSchema, { minItems: 1, maxItems: 500 }),
  },
  { additionalProperties: false },
);

export const SectionsSchema = Type.Array(SectionSchema, {
  minItems: 1,
  maxItems: 100,
  description: `a template's content: sections of questions (at most 500 questions in all); question ids unique, showWhen naming an earlier question`,
});

const Name = Short(200);
const Description = Type.String({ maxLength: 4000 });

export const TemplateVersionSchema = Type.Object({
  id: Type.String(),
  key: Type.Union([Type.String(), Type.Null()], { description: 'set on the templates Thirdwatch ships' }),
  name: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  sections: Type.Array(SectionSchema),
  createdAt: Type.String({ description: 'when this version was made' }),
});

export const TemplateListSchema = Type.Object({
  items: Type.Array(
    Type.Intersect([
      TemplateVersionSchema,
      Type.Object({ updatedAt: Type.String(), questionCount: Type.Integer(), controlCount: Type.Integer() }),
    ]),
  ),
});

export const TemplateDetailSchema = Type.Intersect([
  TemplateVersionSchema,
  Type.Object({
    currentVersion: Type.Integer({ description: 'the newest version (version is the one shown)' }),
    updatedAt: Type.String(),
    controls: Type.Array(Type.String(), { description: 'every control label the version maps, in catalog order' }),
    unknownControls: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'mapped labels no imported catalog holds; null when no catalog is imported' }),
    versions: Type.Array(Type.Object({ version: Type.Integer(), createdAt: Type.String(), createdBy: Type.String() })),
  }),
]);

export const CreateTemplateBody = Type.Object(
  { name: Name, description: Type.Optional(Description), sections: SectionsSchema },
  { additionalProperties: false },
);

export const UpdateTemplateBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    sections: SectionsSchema,
    baseVersion: Type.Optional(Type.Integer({ minimum: 1, description: 'the version the edit started from: 409 when someone saved a newer one meanwhile' })),
  },
  { additionalProperties: false },
);

export const EXPORT_FORMAT = 'thirdwatch-questionnaire';

export const TemplateExportSchema = Type.Object(
  {
    format: Type.Literal(EXPORT_FORMAT),
    formatVersion: Type.Literal(1),
    name: Name,
    description: Type.Optional(Description),
    key: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'informational: an import is always a new template' })),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    exportedAt: Type.Optional(Type.String({ maxLength: 40 })),
    sections: SectionsSchema,
  },
  { additionalProperties: false },
);

export const TemplateIdParams = Type.Object({ id: Type.String({ pattern: UUID_PATTERN }) });
export const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

export type CreateTemplateInput = Static<typeof CreateTemplateBody>;
export type UpdateTemplateInput = Static<typeof UpdateTemplateBody>;
export type TemplateExport = Static<typeof TemplateExportSchema>;
