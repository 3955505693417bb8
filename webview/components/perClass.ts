/**
 * The per-class breakdown of a result: grouped bars of the Dice, IoU and Tversky terms, each
 * class's share of the cross entropy and HD95 (right axis), and a table of every loss's
 * per-class term (cells `data-scope="perClass"` with `data-id` and `data-class`).
 */
import Plotly, { type PlotData } from 'plotly.js-strict-dist-min';
import { fromJsonNumber } from '../../protocol/jsonNumber.js';
import type { EvaluationJson } from '../../protocol/messages.js';
import { LOSS_IDS, LOSSES, isLossId } from '../../kernels/registry.js';
import { formatValue } from '../../protocol/format.js';
import { defineComponent } from './component.js';
import { classLabel, clear, h, part, valueCell } from './dom.js';
import { PLOT_CONFIG, baseLayout, plotElement, plotText, plotTools } from './plot.js';

export interface PerClassProps {
  result: EvaluationJson;
  /** display name of class c at index c */
  classNames: string[];
}

/** Each class's share of the total cross entropy: its mean CE × its pixel count / N. */
function ceContribution(r: EvaluationJson, c: number): number {
  const key = r.binary ? 'bce' : 'cce';
  const entry = r.perClass.find((e) => e.class === c);
  const counts = r.metrics.perClass.map((e) => fromJsonNumber(e.tp) + fromJsonNumber(e.fn));
  const n = counts.reduce((a, b) => a + b, 0);
  const mc = r.metrics.perClass.find((e) => e.class === c);
  if (!entry || !mc || n === 0 || entry[key] === undefined) return NaN;
  const count = fromJsonNumber(mc.tp) + fromJsonNumber(mc.fn);
  if (count === 0) return 0;
  return (fromJsonNumber(entry[key]) * count) / n;
}

export const mountPerClass = defineComponent<PerClassProps>('per-class', 'Per-class breakdown', ({ root, host, signal }) => {
  const plot = plotElement();
  root.append(...[plotTools('perclass', plot, host, signal), plot, h('div', { class: 'table-wrap' }, h('table', { class: 'values', 'data-part': 'class-table' }))].filter((x) => x !== null));

  return async ({ result: r, classNames }, { theme: t }) => {
    const naming = { classNames, binary: r.binary };
    const classes = [...new Set([...r.perClass.map((e) => e.class), ...r.metrics.perClass.map((e) => e.class)])].sort((a, b) => a - b);
    const labels = classes.map((c) => plotText(classLabel(c, naming)));
    const get = (c: number, k: string) => {
      const e = r.perClass.find((x) => x.class === c);
      return e && e[k] !== undefined ? fromJsonNumber(e[k]) : NaN;
    };
    const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);
    const ceKey = r.binary ? 'bce' : 'cce';
    const bars: { name: string; values: number[]; y2?: boolean; key: string }[] = [
      { name: 'Dice loss', key: 'dice', values: classes.map((c) => get(c, 'dice')) },
      { name: 'IoU loss', key: 'iou', values: classes.map((c) => get(c, 'iou')) },
      { name: 'Tversky loss', key: 'tversky', values: classes.map((c) => get(c, 'tversky')) },
      { name: `${ceKey.toUpperCase()} contribution`, key: 'ce', values: classes.map((c) => ceContribution(r, c)) },
      { name: 'HD95 (right axis)', key: 'hd95', y2: true, values: classes.map((c) => get(c, 'hd95')) },
    ];
    const traces: PlotData[] = bars.map((b, k) => ({
      type: 'bar',
      name: b.name,
      x: labels,
      y: b.values.map(finiteOrNull),
      text: b.values.map((v) => (Number.isNaN(v) ? '' : formatValue(v, 3))),
      textposition: 'outside',
      cliponaxis: false,
      textfont: { size: t.fontSize - 3, color: t.muted },
      hovertemplate: `%{x}<br>${b.name}: %{text}<extra></extra>`,
      marker: { color: t.series[k % t.series.length], line: { width: 0 } },
      offsetgroup: String(k),
      yaxis: b.y2 ? 'y2' : 'y',
    }));
    const annotations: Record<string, unknown>[] = [];
    bars.forEach((b) =>
      b.values.forEach((v, i) => {
        if (v === Infinity) annotations.push({ x: labels[i], y: 1, yref: 'paper', yanchor: 'bottom', text: `${b.key.toUpperCase()} ∞`, showarrow: false, font: { color: t.worst, size: t.fontSize - 2 } });
      }),
    );
    const base = baseLayout(t);
    const layout = baseLayout(t, {
      barmode: 'group',
      bargap: 0.25,
      annotations,
      yaxis: { ...(base.yaxis as object), title: { text: 'loss (lower is better)' }, rangemode: 'tozero' },
      yaxis2: { ...(base.yaxis as object), title: { text: 'HD95 (spacing units)' }, overlaying: 'y', side: 'right', rangemode: 'tozero', showgrid: false, tickmode: 'auto' },
      xaxis: { ...(base.xaxis as object), type: 'category' },
    });

    // Table of every per-class term.
    const keys: string[] = [];
    for (const id of LOSS_IDS) if (r.perClass.some((e) => id in e)) keys.push(id);
    const table = clear(part<HTMLTableElement>(root, 'class-table'));
    table.append(
      h('caption', {}, 'Every loss’s per-class term'),
      h('thead', {}, h('tr', {}, h('th', {}, 'Class'), ...keys.map((k) => h('th', { class: 'num', title: isLossId(k) ? LOSSES[k].name : k }, k)))),
    );
    const tb = h('tbody');
    for (const e of r.perClass) {
      tb.append(
        h('tr', { 'data-class': e.class }, h('td', {}, classLabel(e.class, naming)), ...keys.map((k) => (k in e ? valueCell(e[k], { id: k, scope: 'perClass', class: e.class }) : h('td', { class: 'num muted' }, '—')))),
      );
    }
    table.append(tb);

    await Plotly.react(plot, traces, layout, PLOT_CONFIG);
  };
});
