/**
 * Loss curves: every loss as the prediction is thresholded (probabilities) or eroded / dilated
 * (label maps), in stacked panels sharing the x axis, one per scale of kernels/registry.ts
 * (scores 0–1, unbounded losses, distances; empty panels left out), with a class select when
 * there are curves of several classes.
 */
import Plotly, { type PlotData, type PlotLayout } from 'plotly.js-strict-dist-min';
import { fromJsonNumber } from '../../protocol/jsonNumber.js';
import type { CurveSet } from '../../protocol/messages.js';
import { LOSSES, type LossScale } from '../../kernels/registry.js';
import { defineComponent } from './component.js';
import { classLabel, clear, h, type ClassNaming } from './dom.js';
import { PLOT_CONFIG, baseLayout, plotElement, plotTools, removePlaceholder, showPlaceholder } from './plot.js';

export interface CurvesProps extends ClassNaming {
  /** the curve sets; null while the host computes them */
  curves: CurveSet[] | null;
  /** why there are none */
  error?: string;
  /** the index of the set shown (a remembered UI choice) */
  curveSet?: number;
}

/** The panels, top to bottom. */
const PANELS: readonly { scale: LossScale; title: string }[] = [
  { scale: 'score', title: 'overlap / score' },
  { scale: 'unbounded', title: 'cross entropy' },
  { scale: 'distance', title: 'distance' },
];

export const mountCurves = defineComponent<CurvesProps>('curves', 'Loss curves', ({ root, host, signal, redraw }) => {
  const controls = h('div', { class: 'controls', 'data-part': 'controls' });
  const plot = plotElement('plot-tall');
  const note = h('p', { class: 'note', 'data-part': 'note' });
  root.append(...[controls, plotTools('curves', plot, host, signal), plot, note].filter((x) => x !== null));

  controls.addEventListener(
    'change',
    (e) => {
      const select = e.target as HTMLSelectElement;
      if (!select.matches('select[data-part="curve-set"]')) return;
      const curveSet = Number(select.value);
      host.saveUi?.({ curveSet });
      redraw({ curveSet });
    },
    { signal },
  );

  const renderControls = (sets: CurveSet[], chosen: number, naming: ClassNaming) => {
    clear(controls);
    if (sets.length <= 1) return;
    const select = h('select', { 'data-part': 'curve-set', 'aria-label': 'Curves of class' });
    sets.forEach((s, i) => {
      const opt = h('option', { value: i }, s.class === null ? 'whole prediction' : classLabel(s.class, naming));
      if (i === chosen) opt.selected = true;
      select.append(opt);
    });
    controls.append(h('label', {}, 'Class', select));
  };

  return async (props, { theme: t, current }) => {
    const sets = props.curves;
    if (!sets || sets.length === 0) {
      clear(controls);
      showPlaceholder(plot, props.error ? `No loss curves: ${props.error}` : sets ? 'No loss curves for this result.' : 'Computing loss curves…');
      note.textContent = '';
      return;
    }
    removePlaceholder(plot);
    const chosen = Math.max(0, Math.min(props.curveSet ?? 0, sets.length - 1));
    renderControls(sets, chosen, props);
    const s = sets[chosen];
    const panelOf = (loss: CurveSet['series'][number]['loss']) => PANELS.findIndex((p) => p.scale === LOSSES[loss].scale);
    const present = PANELS.map((_, i) => i).filter((g) => s.series.some((x) => panelOf(x.loss) === g));
    const gap = 0.06;
    const height = (1 - gap * (present.length - 1)) / present.length;
    const axisOf = new Map<number, number>(); // panel → axis number (1 = the top panel)
    present.forEach((g, i) => axisOf.set(g, i + 1));
    let anyInfinite = false;
    const traces: PlotData[] = s.series.map((series, k) => {
      const axis = axisOf.get(panelOf(series.loss))!;
      const y = series.values.map((v) => {
        const x = fromJsonNumber(v);
        if (!Number.isFinite(x)) anyInfinite = true;
        return Number.isFinite(x) ? x : null;
      });
      return {
        type: 'scatter',
        mode: 'lines+markers',
        name: series.loss,
        x: s.x,
        y,
        xaxis: 'x',
        yaxis: axis === 1 ? 'y' : `y${axis}`,
        line: { color: t.series[k % t.series.length], width: 2, dash: LOSSES[series.loss].better === 'higher' ? 'dot' : 'solid' },
        marker: { size: 5 },
        connectgaps: false,
        hovertemplate: `${series.loss}: %{y:.4f}<extra>${s.mode === 'threshold' ? 'threshold' : 'offset'} %{x}</extra>`,
      };
    });
    const ref = s.mode === 'threshold' ? 0.5 : 0;
    const base = baseLayout(t);
    const axes: PlotLayout = {};
    present.forEach((g, i) => {
      const top = 1 - i * (height + gap);
      axes[i === 0 ? 'yaxis' : `yaxis${i + 1}`] = {
        ...(base.yaxis as object),
        domain: [Math.max(0, top - height), top],
        anchor: 'x',
        title: { text: PANELS[g].title },
        rangemode: 'tozero',
      };
    });
    const bottom = present.length;
    const layout = baseLayout(t, {
      ...axes,
      xaxis: {
        ...(base.xaxis as object),
        anchor: bottom === 1 ? 'y' : `y${bottom}`,
        title: { text: s.mode === 'threshold' ? 'threshold on the predicted probability' : 'pixels eroded (−) / dilated (+)' },
        dtick: s.mode === 'threshold' ? 0.1 : 1,
      },
      shapes: [{ type: 'line', xref: 'x', yref: 'paper', x0: ref, x1: ref, y0: 0, y1: 1, line: { color: t.muted, width: 1, dash: 'dash' } }],
      annotations: [{ x: ref, y: 1, xref: 'x', yref: 'paper', yanchor: 'bottom', showarrow: false, text: s.mode === 'threshold' ? 'hard-mask cut 0.5' : 'the prediction', font: { color: t.muted, size: t.fontSize - 2 } }],
      legend: { ...(base.legend as object), y: 1.06 },
      margin: { l: 64, r: 24, t: 64, b: 48 },
    });
    await Plotly.react(plot, traces, layout, PLOT_CONFIG);
    if (!current()) return;
    note.textContent =
      (s.mode === 'threshold'
        ? 'Each point evaluates the prediction binarised at that threshold (one-vs-rest for a class).'
        : 'Each point evaluates the predicted mask eroded or dilated by that many pixels (cross-shaped element).') +
      (anyInfinite ? ' Gaps: infinite distances (an empty mask).' : '') +
      ' nsd is a score: higher is better.';
  };
});
