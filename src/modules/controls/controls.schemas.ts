import { Type, type Static } from 'typebox';
import { PageQuery } from '../../platform/http/pagination.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const PropSchema = Type.Object({
  name: Type.String(),
  value: Type.String(),
  ns: Type.Optional(Type.String()),
  class: Type.Optional(Type.String()),
});

const ProfileMembership = Type.Object({
  id: Type.String(),
  title: Type.String(),
  props: Type.Array(PropSchema, { description: 'Props the profile adds to the control (the C-SCRM profile: SP 800-161 level, ISO/IEC 27036 clause ids).' }),
});

export const ControlSchema = Type.Object({
  id: Type.String(),
  catalogId: Type.String(),
  label: Type.String({ description: "The control's label, e.g. SR-4(3)." }),
  oscalId: Type.String({ description: 'The OSCAL id, e.g. sr-4.3.' }),
  title: Type.String(),
  family: Type.String({ description: 'e.g. SR' }),
  familyTitle: Type.String(),
  parent: Nullable(Type.String({ description: 'Label of the control an enhancement belongs to.' })),
  withdrawn: Type.Boolean(),
  sp800161Levels: Type.Array(Type.String(), { description: 'enterprise, mission, operational: the SP 800-161r1 levels a profile assigns.' }),
  iso27036: Type.Array(Type.String(), { description: 'ISO/IEC 27036 clause ids a profile maps the control to (ids only).' }),
  profiles: Type.Array(ProfileMembership),
});

export const ControlDetailSchema = Type.Intersect([
  ControlSchema,
  Type.Object({
    statement: Type.String({ description: 'The control statement as plain text, parameters as [Assignment: ...] and [Selection: ...].' }),
    props: Type.Array(PropSchema, { description: "The catalog's props of the control." }),
    enhancements: Type.Array(Type.Object({ label: Type.String(), title: Type.String(), withdrawn: Type.Boolean() })),
  }),
]);

export const ListControlsQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive substring of the label, title or statement.' })),
    family: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,20}$', description: 'Family label, e.g. SR.' })),
    profile: Type.Optional(Type.String({ maxLength: 64, description: "Only controls this profile selects (its id or OSCAL uuid)." })),
    withdrawn: Type.Optional(Type.Boolean({ default: false, description: 'Include withdrawn controls.' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type ListControlsQueryType = Static<typeof ListControlsQuery>;

export const ControlLabelParams = Type.Object({ label: Type.String({ minLength: 1, maxLength: 64 }) });

const ProfileImport = Type.Object({
  href: Type.String(),
  catalogId: Type.String(),
  catalogTitle: Type.String(),
  matchedBy: Type.String({ description: 'uuid, file or title: how the href was matched to an imported catalog.' }),
  controls: Type.Integer(),
});

export const ProfileSchema = Type.Object({
  id: Type.String(),
  uuid: Type.String(),
  title: Type.String(),
  version: Type.String(),
  oscalVersion: Type.String(),
  sourceName: Nullable(Type.String()),
  controlCount: Type.Integer(),
  imports: Type.Array(ProfileImport),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const CatalogSchema = Type.Object({
  id: Type.String(),
  uuid: Type.String(),
  title: Type.String(),
  version: Type.String(),
  oscalVersion: Type.String(),
  sourceName: Nullable(Type.String()),
  controlCount: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const FamilySchema = Type.Object({ family: Type.String(), title: Type.String(), controls: Type.Integer() });

export const ImportQuery = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: "The file's name: profiles may name their catalog by file name." })) },
  { additionalProperties: false },
);

export const ImportResultSchema = Type.Object({
  kind: Type.Union([Type.Literal('catalog'), Type.Literal('profile')]),
  id: Type.String(),
  uuid: Type.String(),
  title: Type.String(),
  created: Type.Boolean({ description: 'false when a catalog or profile with this uuid was imported before and has been updated in place.' }),
  controls: Type.Integer({ description: 'Controls the catalog holds (withdrawn ones included) or the profile selects.' }),
  withdrawn: Type.Optional(Type.Integer()),
  removed: Type.Optional(Type.Integer({ description: 'Controls a re-imported catalog no longer holds (deleted).' })),
  imports: Type.Optional(Type.Array(ProfileImport)),
});

export type Control = Static<typeof ControlSchema>;
export type ControlDetail = Static<typeof ControlDetailSchema>;
export type Profile = Static<typeof ProfileSchema>;
export type Catalog = Static<typeof CatalogSchema>;
export type ImportResult = Static<typeof ImportResultSchema>;
export type ProfileImportInfo = Static<typeof ProfileImport>;
