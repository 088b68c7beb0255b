import type { ResolvedRegistry } from './model.js';

/** `registry stats`: what a registry holds, by kind, type and stability. */
export interface RegistryStats {
  files: number;
  groups: Record<string, number>;
  attributes: {
    total: number;
    byType: Record<string, number>;
    byStability: Record<string, number>;
    deprecated: number;
    enumMembers: number;
    templates: number;
  };
  metrics: { total: number; byInstrument: Record<string, number>; byStability: Record<string, number> };
  events: number;
  spans: number;
}

const bump = (o: Record<string, number>, k: string) => {
  o[k] = (o[k] ?? 0) + 1;
};

export function registryStats(r: ResolvedRegistry): RegistryStats {
  const groups: Record<string, number> = {};
  for (const g of r.groups) bump(groups, g.kind);
  const byType: Record<string, number> = {};
  const byStability: Record<string, number> = {};
  let deprecated = 0;
  let enumMembers = 0;
  let templates = 0;
  for (const a of r.attributes) {
    bump(
      byType,
      a.type.kind === 'enum' ? 'enum' : a.type.kind === 'template' ? `template[${a.type.type}]` : a.type.type,
    );
    bump(byStability, a.stability ?? 'unspecified');
    if (a.deprecated) deprecated++;
    if (a.type.kind === 'enum') enumMembers += a.type.members.length;
    if (a.type.kind === 'template') templates++;
  }
  const metrics = r.groups.filter((g) => g.kind === 'metric' && !g.refines);
  const byInstrument: Record<string, number> = {};
  const metricStability: Record<string, number> = {};
  for (const m of metrics) {
    bump(byInstrument, m.instrument ?? 'unspecified');
    bump(metricStability, m.stability ?? 'unspecified');
  }
  return {
    files: r.files.length,
    groups,
    attributes: { total: r.attributes.length, byType, byStability, deprecated, enumMembers, templates },
    metrics: { total: metrics.length, byInstrument, byStability: metricStability },
    events: r.groups.filter((g) => g.kind === 'event' && !g.refines).length,
    spans: r.groups.filter((g) => g.kind === 'span' && !g.refines).length,
  };
}

export function formatStats(s: RegistryStats): string {
  const kv = (o: Record<string, number>) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return [
    `files: ${s.files}`,
    `groups: ${kv(s.groups)}`,
    `attributes: ${s.attributes.total} (deprecated ${s.attributes.deprecated}, templates ${s.attributes.templates}, enum members ${s.attributes.enumMembers})`,
    `  by type: ${kv(s.attributes.byType)}`,
    `  by stability: ${kv(s.attributes.byStability)}`,
    `metrics: ${s.metrics.total}`,
    `  by instrument: ${kv(s.metrics.byInstrument)}`,
    `  by stability: ${kv(s.metrics.byStability)}`,
    `events: ${s.events}, spans: ${s.spans}`,
  ].join('\n');
}
