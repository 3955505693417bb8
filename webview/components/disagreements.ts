/**
 * Ranks and disagreements of a comparison: two sentences on why losses disagree, a bump chart of
 * each prediction's rank under each measure (x = measures, y = rank with 1 at the top, one line
 * per prediction: crossing lines are disagreements), the pairs of predictions that the measures
 * order differently in words, and a table of the ranks.
 *
 * Parts: `[data-part="explain"]`, the chart `[data-part="plot"]` (clicking a point asks the host to
 * open that prediction), `ul[data-part="disagreement-list"] > li[data-a][data-b]`, the rank table
 * `[data-part="rank-table"]` with cells `td[data-scope="rank"][data-measure][data-prediction]`.
 * The root carries `data-disagreements` (how many pairs).
 */
import Plotly, { type PlotData } from 'plotly.js-strict-dist-min';
import { describeDisagreement, measureHigherIsBetter, measureJson, measureName } from '../../protocol/comparison.js';
import { formatValue } from '../../protocol/format.js';
import { defineComponent } from './component.js';
import { clear, h, part } from './dom.js';
import { PLOT_CONFIG, baseLayout, plotElement, plotTools, removePlaceholder, showPlaceholder, plotText } from './plot.js';
import { measuresOf, type ComparisonProps } from './comparisonTable.js';

/** What a newcomer reads above the chart. */
export const DISAGREEMENT_EXPLANATION =
  'Losses measure different kinds of wrong: Dice counts overlapping pixels, HD95 the worst boundary distances. ' +
  'When two losses rank the predictions differently, the choice of loss decides which model looks better.';

interface PlotlyEvents {
  on(event: 'plotly_click', handler: (e: { points?: { customdata?: unknown }[] }) => void): void;
}

export const mountDisagreements = defineComponent<ComparisonProps>('comparison-disagreements', 'Ranks and disagreements', ({ root, host, signal }) => {
  const plot = plotElement('plot-bump');
  root.append(
    ...[
      h('p', { class: 'explain', 'data-part': 'explain' }, DISAGREEMENT_EXPLANATION),
      plotTools('ranks', plot, host, signal),
      plot,
      h('p', { class: 'note', 'data-part': 'summary' }),
      h('ul', { class: 'disagreements', 'data-part': 'disagreement-list' }),
      h('h3', {}, 'Rank under each measure'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'values comparison', 'data-part': 'rank-table' })),
    ].filter((x) => x !== null),
  );
  let bound = false;

  return async ({ comparison: doc, predictions }, { theme: t, current }) => {
    const measures = measuresOf(doc);
    const names = predictions.map((p) => p.name);
    const n = doc.predictions.length;
    root.dataset.disagreements = String(doc.disagreements.length);

    // the pairs in words
    const list = clear(part(root, 'disagreement-list'));
    for (const d of doc.disagreements) {
      const [a, b] = [names[d.a] ?? `#${d.a}`, names[d.b] ?? `#${d.b}`];
      const li = h(
        'li',
        { 'data-a': d.a, 'data-b': d.b, title: describeDisagreement(d, names) },
        h('strong', {}, a), ' beats ', h('strong', {}, b), ' on ', h('span', { class: 'measures' }, d.better_a.join(', ')),
        '; ',
        h('strong', {}, b), ' beats ', h('strong', {}, a), ' on ', h('span', { class: 'measures' }, d.better_b.join(', ')),
      );
      list.append(li);
    }
    part(root, 'summary').textContent =
      n < 2
        ? 'Add a second prediction to compare ranks.'
        : doc.disagreements.length === 0
          ? 'Every measure ranks the predictions the same way.'
          : `${doc.disagreements.length} ${doc.disagreements.length === 1 ? 'pair is' : 'pairs are'} ordered differently by different measures:`;

    // the rank table
    const table = clear(part<HTMLTableElement>(root, 'rank-table'));
    table.append(
      h(
        'thead',
        {},
        h('tr', {}, h('th', { class: 'pred' }, 'Prediction'), ...measures.map((key) => h('th', { class: 'num', 'data-measure': key, title: `${measureName(key)} (${measureHigherIsBetter(key) ? 'higher' : 'lower'} is better)` }, key))),
      ),
    );
    const body = h('tbody');
    predictions.forEach((p, i) => {
      const row = h('tr', { 'data-prediction': i }, h('th', { scope: 'row', class: 'pred', title: p.shown }, p.name));
      for (const key of measures) {
        const r = doc.ranks[key]?.[i];
        row.append(h('td', { class: r === 1 && n > 1 ? 'num best' : 'num', 'data-scope': 'rank', 'data-measure': key, 'data-prediction': i, 'data-rank': r ?? '' }, r === undefined ? '' : String(r)));
      }
      body.append(row);
    });
    table.append(body);

    // the bump chart
    if (n < 2 || measures.length === 0) {
      showPlaceholder(plot, 'Add a second prediction to see how the losses rank them.');
      bound = false;
      return;
    }
    removePlaceholder(plot);
    const traces: PlotData[] = predictions.map((p, i) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: plotText(p.name),
      uid: `prediction-${i}`,
      x: measures,
      y: measures.map((key) => doc.ranks[key]?.[i] ?? null),
      text: measures.map((key) => formatValue(measureJson(doc.predictions[i].result, key))),
      customdata: measures.map(() => p.path),
      line: { color: t.series[i % t.series.length], width: 2.5, shape: 'linear' },
      marker: { size: 8, symbol: ['circle', 'square', 'diamond', 'triangle-up', 'x', 'cross', 'star', 'pentagon'][i % 8] },
      hovertemplate: `<b>${plotText(p.name)}</b><br>%{x}: rank %{y} (%{text})<extra></extra>`,
    }));
    const base = baseLayout(t);
    // a narrow view: upright labels, one per category
    const perLabel = ((plot.clientWidth || root.clientWidth || 400) - 60) / measures.length;
    const layout = baseLayout(t, {
      hovermode: 'closest',
      margin: { l: 40, r: 12, t: 24, b: 40 },
      xaxis: { ...(base.xaxis as object), type: 'category', tickangle: perLabel < 40 ? -90 : -60, title: { text: '' }, fixedrange: true },
      yaxis: {
        ...(base.yaxis as object),
        title: { text: 'rank (1 = best)' },
        range: [n + 0.4, 0.6],
        tickmode: 'linear',
        tick0: 1,
        dtick: 1,
        zeroline: false,
        fixedrange: true,
      },
    });
    await Plotly.react(plot, traces, layout, { ...PLOT_CONFIG, showTips: false });
    if (!current()) return;
    if (!bound) {
      bound = true;
      (plot as unknown as PlotlyEvents).on('plotly_click', (e) => {
        const path = e.points?.[0]?.customdata;
        if (typeof path === 'string' && path) host.openPair?.(path);
      });
    }
  };
});
