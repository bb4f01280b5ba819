/** Controls from OSCAL catalogs and profiles (GET /api/v1/controls...). */
export interface OscalProp {
  name: string;
  value: string;
  ns?: string;
  class?: string;
}

export interface Control {
  id: string;
  catalogId: string;
  label: string;
  oscalId: string;
  title: string;
  family: string;
  familyTitle: string;
  parent: string | null;
  withdrawn: boolean;
  sp800161Levels: string[];
  iso27036: string[];
  profiles: Array<{ id: string; title: string; props: OscalProp[] }>;
}

export interface ControlDetail extends Control {
  statement: string;
  props: OscalProp[];
  enhancements: Array<{ label: string; title: string; withdrawn: boolean }>;
}

export interface ControlProfile {
  id: string;
  uuid: string;
  title: string;
  version: string;
  controlCount: number;
}

export interface ControlFamily {
  family: string;
  title: string;
  controls: number;
}
