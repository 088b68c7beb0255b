/**
 * Weaver's prometheus_* filters: OpenTelemetry metric names and units as the Prometheus exporter
 * specification writes them (sdk_exporters/prometheus.md): a name sanitized to [a-zA-Z0-9_:] (a
 * leading digit gets `_`), the unit as a word suffix (`s` -> `seconds`, `By` -> `bytes`, `1` ->
 * `ratio`, `x/s` -> `x_per_second`; annotations such as `{request}` dropped), `_total` for counters.
 */
export type TranslationStrategy =
  | 'NoTranslation'
  | 'UnderscoreEscapingWithoutSuffixes'
  | 'NoUTF8EscapingWithSuffixes'
  | 'UnderscoreEscapingWithSuffixes';

export const STRATEGIES: TranslationStrategy[] = [
  'NoTranslation',
  'UnderscoreEscapingWithoutSuffixes',
  'NoUTF8EscapingWithSuffixes',
  'UnderscoreEscapingWithSuffixes',
];

const UNITS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  B: 'bytes',
  KB: 'kilobytes',
  MB: 'megabytes',
  GB: 'gigabytes',
  TB: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': 'ratio',
  '%': 'percent',
};
const PER_UNITS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};
/** units that name no quantity of their own before a `/` ("1/s" is `per_second`) */
const NOT_BEFORE_PER = new Set(['1', 'd', 'h', 'min', 's', 'ms', 'us', 'ns']);

export const promUnit = (unit: string): string | undefined =>
  Object.hasOwn(UNITS, unit) ? UNITS[unit] : undefined;

export function unitSuffix(unit: string): string | undefined {
  if (!unit) return undefined;
  const direct = promUnit(unit);
  if (direct) return direct;
  const at = unit.indexOf('/');
  if (at < 0) return undefined;
  const [first, second] = [unit.slice(0, at), unit.slice(at + 1)];
  const per = Object.hasOwn(PER_UNITS, second) ? PER_UNITS[second] : undefined;
  if (!per) return undefined;
  const head = NOT_BEFORE_PER.has(first) ? undefined : promUnit(first);
  return head ? `${head}_per_${per}` : `per_${per}`;
}

export function sanitizeName(name: string): string {
  return name.replace(/^[0-9]/, (d) => `_${d}`).replace(/[^a-zA-Z0-9_:]/g, '_');
}

function withSuffixes(name: string, unit: string, instrument: string): string {
  const suffix = unitSuffix(unit);
  return `${name}${suffix ? `_${suffix}` : ''}${instrument === 'counter' ? '_total' : ''}`;
}

export function promName(name: string, unit: string, instrument: string, s: TranslationStrategy): string {
  switch (s) {
    case 'NoTranslation':
      return name;
    case 'UnderscoreEscapingWithoutSuffixes':
      return sanitizeName(name);
    case 'NoUTF8EscapingWithSuffixes':
      return withSuffixes(name, unit, instrument);
    case 'UnderscoreEscapingWithSuffixes':
      return withSuffixes(sanitizeName(name), unit, instrument);
  }
}

/** every name a strategy (or all of them) gives, distinct; histograms and summaries expanded when asked */
export function promNames(
  name: string,
  unit: string,
  instrument: string,
  strategy: TranslationStrategy | undefined,
  expand: boolean,
): string[] {
  const names = [
    ...new Set((strategy ? [strategy] : STRATEGIES).map((s) => promName(name, unit, instrument, s))),
  ];
  if (!expand) return names;
  const parts =
    instrument === 'histogram'
      ? ['', '_bucket', '_count', '_sum']
      : instrument === 'summary'
        ? ['', '_count', '_sum']
        : [''];
  return names.flatMap((n) => parts.map((p) => `${n}${p}`));
}

export function toStrategy(s: unknown): TranslationStrategy {
  if (STRATEGIES.includes(s as TranslationStrategy)) return s as TranslationStrategy;
  throw new Error(`Invalid translation_strategy: '${String(s)}'. Valid values are: ${STRATEGIES.join(', ')}`);
}
