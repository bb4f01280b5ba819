import type { Flag, Json } from '../../platform/db/tables.js';

/** An imported OSCAL catalog; its OSCAL uuid identifies it, so importing it again updates it in place. */
export interface ControlCatalogsTable {
  id: string;
  uuid: string;
  title: string;
  version: string;
  oscal_version: string;
  /** File name it was imported from, when known: profiles may name their catalog by file. */
  source_name: string | null;
  control_count: number;
  imported_by: string;
  created_at: string;
  updated_at: string;
}

/** A control or control enhancement of a catalog. */
export interface ControlsTable {
  id: string;
  catalog_id: string;
  /** OSCAL id, e.g. 'sr-4.3'. */
  oscal_id: string;
  /** The label prop, e.g. 'SR-4(3)' (the upper-cased OSCAL id when a control has none). */
  label: string;
  title: string;
  /** The family's label, e.g. 'SR', and its title. */
  family: string;
  family_title: string;
  /** Label of the control an enhancement belongs to. */
  parent_label: string | null;
  /** The sort-id prop ('sr-04.03'), else the OSCAL id: catalog order. */
  sort_key: string;
  withdrawn: Flag;
  /** The statement as plain text, parameters shown as [Assignment: ...] / [Selection: ...]. */
  statement: string;
  /** JSON [{ name, value, ns?, class? }]: the catalog's props of the control. */
  props: Json;
  /** Label, title and statement folded for search (see search-text.ts). */
  search_text: string;
  updated_at: string;
}

export interface ControlProfilesTable {
  id: string;
  uuid: string;
  title: string;
  version: string;
  oscal_version: string;
  source_name: string | null;
  /** JSON [{ href, catalogId, catalogTitle, matchedBy, controls }]: how each import was resolved. */
  imports: Json;
  control_count: number;
  imported_by: string;
  created_at: string;
  updated_at: string;
}

/** A control a profile selected, with the props the profile adds to it (JSON [{ name, value, ns?, class? }]). */
export interface ControlProfileMembersTable {
  profile_id: string;
  control_id: string;
  label: string;
  props: Json;
}

export interface ControlTables {
  control_catalogs: ControlCatalogsTable;
  controls: ControlsTable;
  control_profiles: ControlProfilesTable;
  control_profile_members: ControlProfileMembersTable;
}
