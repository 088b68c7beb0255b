import { quote } from './defects.js';
import type { ExpectedSymbol, RegistryValue } from './expected.js';
import type { Naming } from './languages/types.js';
import type { ExtractedSymbol } from './symbols/types.js';

/** How the symbol checks name and compare things: registry items, emitted symbols, values. */

export const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
export const words = (s: string) => s.replace(/\s+/g, ' ').trim();
/** values are compared as text (a number emitted for a number member, as before) */
export const valueKey = (v: string | number | boolean) => String(v);
/** free text (a description) is compared with its whitespace normalized */
export const textKey = (v: string | number | boolean) => `text:${words(String(v))}`;

export function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

export const isItemKind = (k: RegistryValue['kind']): k is ExpectedSymbol['kind'] =>
  k === 'attribute' || k === 'template' || k === 'member' || k === 'metric' || k === 'event';

/** The symbol's name carries the item: its key (and for a member, the member id in the symbol's own name). */
export function carries(key: string, memberId: string | undefined, s: ExtractedSymbol): boolean {
  if (!norm(qualified(s)).includes(norm(key))) return false;
  return memberId === undefined || norm(s.name).includes(norm(memberId));
}

export function qualified(s: ExtractedSymbol): string {
  return s.container ? `${s.container}.${s.name}` : s.name;
}

export const itemOf = (e: ExpectedSymbol) => (e.memberId !== undefined ? `${e.key}#${e.memberId}` : e.key);

export function describe(e: ExpectedSymbol): string {
  switch (e.kind) {
    case 'attribute':
      return `attribute ${e.key}`;
    case 'template':
      return `template attribute ${e.key}`;
    case 'member':
      return `member ${e.memberId} of attribute ${e.key}`;
    case 'metric':
      return `metric ${e.key}`;
    case 'event':
      return `event ${e.key}`;
  }
}

export function emitted(e: ExpectedSymbol, official: string): string {
  return e.kind === 'template'
    ? `${official} building keys ${quote(`${e.value}.<key>`)}`
    : `${official} = ${quote(e.value)}`;
}

export function officialName(e: ExpectedSymbol, n: Naming): string {
  switch (e.kind) {
    case 'attribute':
      return n.attribute(e.key);
    case 'template':
      return n.templateAttribute(e.key);
    case 'member':
      return n.enumMember(e.key, e.memberId ?? '');
    case 'metric':
      return n.metric(e.key);
    case 'event':
      return n.event(e.key);
  }
}
