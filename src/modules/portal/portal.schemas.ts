import { Type, type Static } from 'typebox';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Id = Type.String({ format: 'uuid' });

export const PortalSettingsSchema = Type.Object(
  {
    publicUrl: Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }), Type.Null()], {
      description: 'Where vendors reach this server: portal links start with it. null: THIRDWATCH_PUBLIC_URL (or http://host:port).',
    }),
    invitationDays: Type.Integer({ minimum: 1, maximum: 90, description: 'How long an invitation link can be used (once).' }),
    sessionHours: Type.Integer({ minimum: 1, maximum: 72, description: 'How long a portal session lasts after the link is opened.' }),
    reminderDaysBefore: Type.Integer({ minimum: 0, maximum: 30, description: 'A reminder this many days before the due date (0: none).' }),
    overdueEveryDays: Type.Integer({ minimum: 1, maximum: 90, description: 'Overdue reminders: on the due date, then every this many days.' }),
  },
  { additionalProperties: false },
);
export type PortalSettings = Static<typeof PortalSettingsSchema>;

export const AssessmentIdParams = Type.Object({ id: Id });
export const AssessmentFileParams = Type.Object({ id: Id, fileId: Id });
export const FileIdParams = Type.Object({ id: Id });

export const InvitationBody = Type.Object(
  {
    contactId: Type.Optional(Id),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, description: 'Default: the portal setting invitationDays (14).' })),
  },
  { additionalProperties: false },
);

export const InvitationSchema = Type.Object({
  url: Type.String({ description: 'The single-use portal link; it carries the secret after #, which browsers never send to a server.' }),
  expiresAt: Type.String(),
  emailedTo: Nullable(Type.String({ description: 'Where it was e-mailed; null when it was not (no contact with an e-mail, or e-mail is off).' })),
  emailError: Type.Optional(Type.String({ description: 'Why e-mailing failed (the link is valid anyway).' })),
});

export const SessionBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const PortalSessionCreated = Type.Object({
  token: Type.String({ description: 'Bearer token (twp_...) for the portal routes.' }),
  vendorId: Type.String(),
  expiresAt: Type.String(),
});

export const PortalSessionSchema = Type.Object({
  vendorId: Type.String(),
  vendorName: Type.String(),
  expiresAt: Nullable(Type.String({ description: 'When the session (or vendor API token) ends; null: a token without expiry.' })),
  products: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: 'The vendor\'s products as we record them: what an incident report may name as affected.' }),
});

export const VendorIdParams = Type.Object({ id: Id });
export const VendorTokenParams = Type.Object({ id: Id, tokenId: Id });

export const PortalTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'The vendor system that uses it.' }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, description: 'None: until revoked.' })),
  },
  { additionalProperties: false },
);

export const PortalTokenSchema = Type.Object({
  id: Type.String(),
  vendorId: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters (twv_...), to tell tokens apart.' }),
  createdBy: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Nullable(Type.String()),
  expiresAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
});

export const PortalTokenCreated = Type.Object({
  token: Type.String({ description: 'The bearer token (twv_...), shown once.' }),
  record: PortalTokenSchema,
});

export const PortalFileSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  mediaType: Type.String({ description: 'Sniffed from the content.' }),
  sizeBytes: Type.Integer(),
  sha256: Type.String(),
  createdAt: Type.String(),
});
export type PortalFile = Static<typeof PortalFileSchema>;

export const FileUploadQuery = Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, description: 'The file name (its extension must match the content).' }) });

const AnswerState = Type.Union([Type.Literal('draft'), Type.Literal('submitted'), Type.Literal('accepted'), Type.Literal('rejected')]);

export const PortalQuestionSchema = Type.Object({
  id: Type.String(),
  text: Type.String(),
  help: Type.Optional(Type.String()),
  type: Type.String(),
  required: Type.Boolean(),
  options: Type.Optional(Type.Array(Type.String())),
  unit: Type.Optional(Type.String()),
  perService: Type.Optional(Type.Boolean()),
  showWhen: Type.Optional(Type.Object({ questionId: Type.String(), anyOf: Type.Array(Type.String()) })),
});

export const PortalAssessmentSummary = Type.Object({
  id: Type.String(),
  templateName: Type.String(),
  status: Type.String(),
  dueAt: Nullable(Type.String()),
  submittedAt: Nullable(Type.String()),
  progress: Type.Object({ answered: Type.Integer(), required: Type.Integer(), requiredAnswered: Type.Integer() }),
});

export const PortalAssessmentSchema = Type.Object({
  ...PortalAssessmentSummary.properties,
  vendorName: Type.String(),
  sections: Type.Array(Type.Object({ title: Type.String(), description: Type.Optional(Type.String()), questions: Type.Array(PortalQuestionSchema) })),
  answers: Type.Array(
    Type.Object({
      questionId: Type.String(),
      value: Type.Unknown(),
      state: AnswerState,
      comment: Nullable(Type.String({ description: "The reviewer's comment, shown on rejected answers." })),
    }),
  ),
  files: Type.Array(PortalFileSchema, { description: 'The files the answers name.' }),
  products: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: "The vendor's products an SBOM answer can be for." }),
  services: Type.Array(Type.Object({ id: Type.String(), name: Type.String() }), { description: 'The business services per-service questions ask about.' }),
});
export type PortalAssessment = Static<typeof PortalAssessmentSchema>;

export const AnswersBody = Type.Object(
  { answers: Type.Array(Type.Object({ questionId: Type.String({ minLength: 1, maxLength: 200 }), value: Type.Unknown() }, { additionalProperties: false }), { maxItems: 1000 }) },
  { additionalProperties: false },
);
