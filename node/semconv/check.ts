import type { DiagnosticSink } from './diagnostics.js';
import type { ResolvedRegistry } from './model.js';
import type { RawFile } from './raw.js';

/** Weaver's naming rule: lowercase, dot-separated namespaces, snake_case words. */
const NAME = /^[a-z][a-z0-9]*(?:[._][a-z0-9]+)*$/;
const UNIT_BRACES = /^(?:[^{}\s]|\{[^{}]*\})*$/;
const INSTRUMENTS = ['counter', 'updowncounter', 'gauge', 'histogram'];
const MAX_NAME = 255;

/**
 * The rule checks that need no resolution context beyond the resolved model (duplicates, refs,
 * cycles, types and enum members are reported while resolving). Each finding says how to fix it.
 */
export function checkRegistry(registry: ResolvedRegistry, raw: RawFile[], sink: DiagnosticSink): void {
  // an invalid stability was already reported where it was read; do not report it missing as well
  const badStability = new Set(
    sink.items
      .filter((d) => d.code === 'invalid-stability')
      .map((d) => `${d.location.file}:${d.location.line}`),
  );
  const stabilityMissing = (loc: { file: string; line: number }) =>
    !badStability.has(`${loc.file}:${loc.line}`);
  for (const a of registry.attributes) {
    if (a.imported) continue;
    if (!NAME.test(a.key) || a.key.length > MAX_NAME) {
      sink.error(
        'invalid-name',
        a.location,
        `attribute key \`${a.key}\` breaks the naming rules`,
        'use lowercase namespaces separated by dots and snake_case words, e.g. `http.request.method`',
      );
    }
    if (!a.brief && !a.deprecated) {
      sink.error(
        'missing-brief',
        a.location,
        `attribute \`${a.key}\` has no brief`,
        'add `brief:` with one sentence saying what the attribute holds',
      );
    }
    if (!a.stability && stabilityMissing(a.location)) {
      sink.error(
        'missing-stability',
        a.location,
        `attribute \`${a.key}\` has no stability`,
        'add `stability: development` (or stable)',
      );
    }
    if (a.type.kind === 'enum') {
      for (const m of a.type.members) {
        if (!/^[a-z0-9][a-z0-9_.-]*$/i.test(m.id)) {
          sink.error(
            'invalid-name',
            a.location,
            `enum member id \`${m.id}\` of \`${a.key}\` breaks the naming rules`,
            'use letters, digits and underscores, e.g. `not_found`',
          );
        }
      }
    }
  }
  const v1Events = new Set(
    raw
      .filter((f) => f.syntax === 1)
      .flatMap((f) => f.groups.filter((g) => g.type === 'event').map((g) => g.id)),
  );
  for (const g of registry.groups) {
    if (g.imported) continue;
    const signal = g.kind === 'metric' || g.kind === 'span' || g.kind === 'event' || g.kind === 'entity';
    if (signal && !g.refines && !g.brief && !g.deprecated) {
      sink.error(
        'missing-brief',
        g.location,
        `${g.kind} \`${g.id}\` has no brief`,
        'add `brief:` describing the signal',
      );
    }
    if (signal && !g.refines && !g.stability && stabilityMissing(g.location)) {
      sink.error(
        'missing-stability',
        g.location,
        `${g.kind} \`${g.id}\` has no stability`,
        'add `stability: development` (or stable)',
      );
    }
    if (g.kind === 'metric' && !g.refines) checkMetric(g, sink);
    if (g.kind === 'event' && v1Events.has(g.id) && g.eventName && !NAME.test(g.eventName)) {
      sink.error(
        'invalid-name',
        g.location,
        `event name \`${g.eventName}\` breaks the naming rules`,
        'use lowercase dot-separated snake_case, e.g. `app.crash`',
      );
    }
  }
}

function checkMetric(g: ResolvedRegistry['groups'][number], sink: DiagnosticSink): void {
  if (!g.metricName) {
    sink.error(
      'missing-metric-name',
      g.location,
      `metric group \`${g.id}\` has no metric_name`,
      'add `metric_name: namespace.metric`',
    );
  } else if (!NAME.test(g.metricName)) {
    sink.error(
      'invalid-name',
      g.location,
      `metric name \`${g.metricName}\` breaks the naming rules`,
      'use lowercase dot-separated snake_case, e.g. `http.server.request.duration`',
    );
  }
  if (!g.instrument) {
    sink.error(
      'invalid-instrument',
      g.location,
      `metric \`${g.metricName ?? g.id}\` has no valid instrument`,
      `set \`instrument:\` to one of ${INSTRUMENTS.join(', ')}`,
    );
  }
  if (g.unit === undefined) {
    sink.error(
      'invalid-unit',
      g.location,
      `metric \`${g.metricName ?? g.id}\` has no unit`,
      'set `unit:` to a UCUM unit such as `s`, `By`, `1` or an annotation like `{request}`',
    );
  } else if (g.unit === '' || !UNIT_BRACES.test(g.unit)) {
    sink.error(
      'invalid-unit',
      g.location,
      `metric unit ${JSON.stringify(g.unit)} is not a valid UCUM unit`,
      'use UCUM (`s`, `ms`, `By`, `1`), with annotations in balanced braces and no spaces, e.g. `{packet}`',
    );
  }
}
