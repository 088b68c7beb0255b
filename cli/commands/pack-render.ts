import type { PackCheck } from '../../node/packs/check.js';
import type { PatternDetail, PatternSummary } from '../../node/packs/view.js';
import { table } from '../render/table.js';

/** How the pack commands print packs: one table row per pack, or one block for `pack show`. */

const where = (p: PatternSummary) =>
  p.published
    ? 'published here'
    : p.installed
      ? 'installed'
      : p.sources.includes('builtin')
        ? 'built-in'
        : 'announced';

const network = (p: PatternSummary) =>
  p.network
    ? `${p.network.score.toFixed(2)} (${p.network.peers} peer${p.network.peers === 1 ? '' : 's'})`
    : '-';

const local = (p: PatternSummary) => (p.local ? `${p.local.meanQ.toFixed(2)} (n=${p.local.n})` : '-');

const stars = (p: PatternSummary) =>
  p.rating ? `${'*'.repeat(p.rating.stars)}${'.'.repeat(5 - p.rating.stars)}` : '-';

export function patternTable(list: PatternSummary[], columns: 'search' | 'list'): string {
  if (columns === 'search')
    return table(
      ['id', 'name', 'version', 'language', 'kind', 'where', 'verified', 'network'],
      list.map((p) => [
        p.id,
        p.name,
        p.version,
        p.language || '?',
        p.kind || '?',
        where(p),
        p.verified ? 'yes' : 'no',
        network(p),
      ]),
    );
  return table(
    ['id', 'name', 'version', 'language', 'where', 'local q', 'network', 'rated'],
    list.map((p) => [p.id, p.name, p.version, p.language, where(p), local(p), network(p), stars(p)]),
  );
}

export function checkLines(c: PackCheck | undefined): string[] {
  if (!c) return [];
  const compile =
    c.compile.status === 'passed'
      ? `compiled with ${c.compile.tool}: passed`
      : `not compiled: ${c.compile.reason ?? c.compile.tool}`;
  return [
    `checked: ${c.variants} variant${c.variants === 1 ? '' : 's'} rendered on the example registry (${c.files} file${c.files === 1 ? '' : 's'}), ${compile}, q ${c.quality.toFixed(2)}`,
    ...c.notes.map((n) => `  note: ${n}`),
  ];
}

export function patternBlock(p: PatternDetail): string {
  const lines = [
    `${p.name} ${p.version} (${p.language || 'language not known yet'}${p.kind ? `, ${p.kind} pack` : ''})`,
    `id: ${p.id}`,
    ...(p.description ? [`description: ${p.description}`] : []),
    ...(p.license ? [`license: ${p.license}`] : []),
    `where: ${where(p)}${p.verified ? ', content verified here' : ', known from its signed announcement only'}`,
    ...(p.publishers.length ? [`publishers: ${p.publishers.join(', ')}`] : []),
    `local quality: ${local(p)}`,
    `network rating: ${network(p)}`,
    `your rating: ${p.rating ? `${stars(p)} ${p.rating.stars}/5${p.rating.comment ? ` "${p.rating.comment}"` : ''}` : '-'}`,
  ];
  if (p.paramSpecs && Object.keys(p.paramSpecs).length) {
    lines.push('params:');
    for (const [k, s] of Object.entries(p.paramSpecs))
      lines.push(`  ${k}: ${s.values.map((v) => (v === s.default ? `${v} (default)` : v)).join(' | ')}`);
  }
  if (p.templates) lines.push(`templates: ${p.templates.join(', ')}`);
  lines.push(...checkLines(p.check));
  if (p.note) lines.push(`note: ${p.note}`);
  return lines.join('\n');
}

export const print = (s: string) => process.stdout.write(`${s}\n`);
export const printJson = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
