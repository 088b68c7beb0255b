import type { Location } from './location.js';

/** The resolved model: what generation, validation and learning read. Plain data, JSON-serialisable. */

export type Stability = 'stable' | 'development' | 'alpha' | 'beta' | 'release_candidate' | 'deprecated';

export type PrimitiveType =
  | 'string'
  | 'int'
  | 'double'
  | 'boolean'
  | 'any'
  | 'string[]'
  | 'int[]'
  | 'double[]'
  | 'boolean[]';

export interface Deprecation {
  reason: 'renamed' | 'obsoleted' | 'uncategorized';
  note: string;
  renamedTo?: string;
}

/** text fields as written, kept only where they differ from the trimmed ones */
export interface RawText {
  brief?: string;
  note?: string;
}

export interface EnumMember {
  id: string;
  value: string | number | boolean;
  brief: string;
  note: string;
  stability?: Stability;
  deprecated?: Deprecation;
  /** e.g. `code_generation: { exclude: true }` */
  annotations?: Record<string, unknown>;
  raw?: RawText;
}

export type AttributeType =
  | { kind: 'primitive'; type: PrimitiveType }
  | { kind: 'template'; type: PrimitiveType }
  | {
      kind: 'enum';
      valueType: 'string' | 'int' | 'double' | 'boolean';
      members: EnumMember[];
      allowCustomValues: boolean;
    };

export type RequirementLevel =
  | { level: 'required' | 'recommended' | 'opt_in' }
  | { level: 'conditionally_required' | 'recommended'; text: string };

export interface Attribute {
  key: string;
  type: AttributeType;
  brief: string;
  note: string;
  examples: unknown[];
  /** the YAML gave one example, not a list (Weaver's resolved registry keeps that form) */
  exampleIsValue?: true;
  /** brief and note as the YAML wrote them, where that differs from the trimmed text (Weaver keeps them so) */
  raw?: RawText;
  stability?: Stability;
  deprecated?: Deprecation;
  annotations: Record<string, unknown>;
  /** True when the definition came from a dependency registry (imports), not this one. */
  imported: boolean;
  location: Location;
}

/** An attribute as used by a group: the definition plus the group's overrides. */
export interface AttributeUse {
  key: string;
  brief: string;
  note: string;
  examples: unknown[];
  /** the YAML gave one example, not a list */
  exampleIsValue?: true;
  raw?: RawText;
  requirementLevel: RequirementLevel;
  stability?: Stability;
  deprecated?: Deprecation;
}

export type GroupKind =
  | 'attribute_group'
  | 'span'
  | 'event'
  | 'metric'
  | 'entity'
  | 'metric_group'
  | 'scope'
  | 'resource'
  | 'undefined';

export interface Group {
  id: string;
  kind: GroupKind;
  brief: string;
  note: string;
  stability?: Stability;
  deprecated?: Deprecation;
  raw?: RawText;
  visibility: 'public' | 'internal';
  annotations: Record<string, unknown>;
  attributes: AttributeUse[];
  /** metric groups */
  metricName?: string;
  instrument?: 'counter' | 'updowncounter' | 'gauge' | 'histogram';
  unit?: string;
  /** event groups */
  eventName?: string;
  /** span groups */
  spanKind?: string;
  /** entity groups */
  entityType?: string;
  /** v2 refinements point at the signal they refine; such groups define no new signal. */
  refines?: string;
  imported: boolean;
  location: Location;
}

export interface Manifest {
  name?: string;
  description?: string;
  semconvVersion?: string;
  schemaUrl?: string;
  stability?: string;
  dependencies: { name: string; registryPath: string }[];
}

export interface ResolvedRegistry {
  root: string;
  manifest: Manifest;
  /** Every defined attribute, sorted by key. */
  attributes: Attribute[];
  /** Every group after extends / ref / ref_group resolution, sorted by id. */
  groups: Group[];
  files: string[];
}
