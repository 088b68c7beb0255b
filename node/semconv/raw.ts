import type { Location } from './location.js';

/**
 * The syntax-neutral form both YAML syntaxes (v1 `groups:`, v2 `file_format: definition/2`) are
 * normalised into before resolution. Values are kept as written; resolution validates them.
 */
export interface RawAttributeDef {
  kind: 'def';
  key: string;
  fields: Record<string, unknown>;
  location: Location;
}

export interface RawAttributeRef {
  kind: 'ref';
  ref: string;
  fields: Record<string, unknown>;
  location: Location;
}

export interface RawGroupRef {
  kind: 'ref_group';
  refGroup: string;
  location: Location;
}

export type RawAttributeEntry = RawAttributeDef | RawAttributeRef | RawGroupRef;

export interface RawGroup {
  id: string;
  type: string;
  fields: Record<string, unknown>;
  extends?: string;
  refines?: string;
  attributes: RawAttributeEntry[];
  syntax: 1 | 2;
  /** Groups synthesised from v2 `attributes:` lists hold definitions only and are never emitted as signals. */
  synthetic: boolean;
  location: Location;
  imported: boolean;
}

export interface RawImports {
  attributeGroups: string[];
  metrics: string[];
  events: string[];
  entities: string[];
  spans: string[];
  location: Location;
}

export interface RawFile {
  file: string;
  syntax: 1 | 2;
  groups: RawGroup[];
  imports?: RawImports;
}
