// Learning: quality over time per context, each arm's quality with its uncertainty, what model
// arms cost, and the informative rules, with every context key spelled out; predictive
// pre-generation with its counters, switched on and off here.
import { api } from '../lib/api.js';
import { rangeBar, timeChart } from '../lib/charts.js';
import { contextWords } from '../lib/context.js';
import { el, errorBox, fmtQ, fmtUsd, params, section, table } from '../lib/dom.js';
import { predictionPanel } from '../lib/prediction.js';

const TOP_CONTEXTS = 6;

export async function render(main) {
  const [insights, history] = await Promise.all([api('/v1/insights'), api('/v1/learning/history')]);
  const cleanups = [];
  const informative = insights.rules.top.filter((r) => r.informative);

  const qualityBox = el('div', { class: 'chart', id: 'quality-chart' });
  const costBox = el('div', { class: 'chart', id: 'cost-chart' });
  const armsBox = el('div', { id: 'arms' });
  const contexts = insights.contexts;
  const pick = el(
    'select',
    { id: 'arms-context', 'aria-label': 'context' },
    contexts.map((c) =>
      el('option', { value: c.contextKey }, `${contextWords(c.contextKey)} (${c.generations} outcomes)`),
    ),
  );

  async function drawArms() {
    if (!pick.value) {
      armsBox.replaceChildren(
        el('p', { class: 'muted' }, 'nothing learned yet: arms appear after the first generations'),
      );
      return;
    }
    try {
      const { arms } = await api(`/v1/learning/arms?context=${encodeURIComponent(pick.value)}`);
      armsBox.replaceChildren(
        el('p', { class: 'muted mono' }, pick.value),
        table(
          [
            'arm',
            'quality (mean, ±2 sd)',
            'mean',
            'n',
            'reached the bar',
            'did not compile',
            'cost per candidate',
          ],
          arms.map((a) =>
            el(
              'tr',
              {},
              el('td', {}, `${a.packName} ${params(a.params)} @${a.model}`),
              el('td', {}, rangeBar(a.mean, a.sd)),
              el('td', {}, `${fmtQ(a.mean)} ± ${fmtQ(a.sd)}`),
              el('td', {}, String(a.n)),
              el('td', {}, `${a.successes}/${a.n}`),
              el('td', {}, `${a.compileFailures}/${a.n}`),
              el('td', {}, a.costUsd === undefined ? '-' : fmtUsd(a.costUsd)),
            ),
          ),
        ),
      );
    } catch (e) {
      armsBox.replaceChildren(errorBox(e));
    }
  }
  pick.addEventListener('change', drawArms);

  const byOutcomes = [...history.contexts].slice(0, TOP_CONTEXTS);
  main.append(
    el('h1', {}, 'Learning'),
    el(
      'div',
      { class: 'cards' },
      el(
        'div',
        { class: 'card' },
        el('div', { class: 'big' }, String(insights.outcomes)),
        'outcomes learned from',
      ),
      el(
        'div',
        { class: 'card' },
        el('div', { class: 'big' }, String(contexts.length)),
        'contexts (language, generator, size, shape)',
      ),
      el(
        'div',
        { class: 'card' },
        el('div', { class: 'big' }, String(informative.length)),
        `informative rules of ${insights.rules.total} mined`,
      ),
      el(
        'div',
        { class: 'card' },
        el('div', { class: 'big' }, String(insights.promotions.length)),
        'promotions of a better variant',
      ),
    ),
    section('Predictive pre-generation', predictionPanel()),
    section(
      'Quality delivered per generation, over time',
      el(
        'p',
        { class: 'muted' },
        `the ${byOutcomes.length} contexts with the most generations; each point is a generation's best candidate (q from 0 to 1)`,
      ),
      byOutcomes.length ? qualityBox : el('p', { class: 'muted' }, 'no generations yet'),
    ),
    section(
      "Each arm's quality in a context, with its uncertainty",
      el(
        'p',
        { class: 'muted' },
        'the optimizer draws from these: a narrow bar is settled, a wide one is still being explored',
      ),
      el('div', { class: 'filters' }, pick),
      armsBox,
    ),
    section(
      'Cost and tokens of model arms, over time',
      history.models.length
        ? costBox
        : el(
            'p',
            { class: 'muted' },
            'no model arm has run: the built-in templates cost nothing (configure models in weavergen.config.json to compare them)',
          ),
    ),
    section(
      'What learning found: informative rules',
      el(
        'p',
        { class: 'muted' },
        `rules whose lift is not explained by the base rate, a shorter rule or another rule on the same rows; ${insights.rules.transactions} outcomes mined`,
      ),
      table(
        ['rule', 'lift', 'support', 'confidence', 'outcomes', 'mean q where it holds'],
        informative.map((r) =>
          el(
            'tr',
            {},
            el('td', { class: 'mono' }, r.text),
            el('td', {}, r.lift.toFixed(2)),
            el('td', {}, `${(r.support * 100).toFixed(1)}%`),
            el('td', {}, `${(r.confidence * 100).toFixed(0)}%`),
            el('td', {}, String(r.count)),
            el('td', {}, r.q ? `${fmtQ(r.q.mean)} (n ${r.q.n})` : '-'),
          ),
        ),
        'no informative rule yet: rules need varied outcomes (several contexts and arms) to say more than the base rate',
      ),
    ),
    section(
      'Contexts',
      table(
        ['context', 'in words', 'outcomes', 'mean q', 'best arm so far', 'promoted'],
        contexts.map((c) =>
          el(
            'tr',
            {},
            el('td', { class: 'mono' }, c.contextKey),
            el('td', {}, contextWords(c.contextKey)),
            el('td', {}, String(c.generations)),
            el('td', {}, fmtQ(c.meanQ)),
            el(
              'td',
              {},
              c.best[0]
                ? `${c.best[0].packName} ${params(c.best[0].params)} @${c.best[0].model} (q ${fmtQ(c.best[0].meanQ)}, n ${c.best[0].n})`
                : '-',
            ),
            el('td', {}, c.promoted.map((p) => `${p.packName} ${params(p.params)}`).join('; ') || '-'),
          ),
        ),
        'nothing learned yet',
      ),
    ),
  );

  if (byOutcomes.length)
    cleanups.push(
      timeChart(qualityBox, {
        yLabel: 'q',
        yRange: [0, 1],
        series: byOutcomes.map((c) => ({
          label: contextWords(c.contextKey),
          points: c.points.map((p) => ({ at: p.at, y: p.q })),
        })),
      }),
    );
  if (history.models.length)
    cleanups.push(
      timeChart(costBox, {
        yLabel: 'USD per generation',
        yFormat: (v) => (v === 0 ? '$0' : `$${Number(v.toPrecision(2))}`),
        y2Label: 'tokens per generation',
        series: [
          ...history.models.map((m) => ({
            label: `${m.model} cost`,
            points: m.points.map((p) => ({ at: p.at, y: p.costUsd })),
          })),
          ...history.models.map((m) => ({
            label: `${m.model} tokens`,
            right: true,
            points: m.points.map((p) => ({ at: p.at, y: p.inputTokens + p.outputTokens })),
          })),
        ],
      }),
    );
  await drawArms();
  return () => {
    for (const c of cleanups) c();
  };
}
