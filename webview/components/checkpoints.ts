/**
 * Checkpoints of a comparison: when the predictions' file names carry a training step
 * (`epoch_5`, `step-1000`), one line per measure against the step, raw (distances on a right axis
 * of their own) or each normalised to [0, 1] over the checkpoints (a toggle). Each measure is
 * shown or hidden from the legend (Plotly's legend click; the choice survives redraws); clicking
 * a point asks the host to open that checkpoint against the ground truth. Hidden (the root
 * `hidden`, `data-empty="true"`) when fewer than two predictions carry a step.
 *
 * Parts: `input[type=checkbox][data-part="normalise"]`, the chart `[data-part="plot"]` (traces
 * with `uid` = the measure, `customdata` = the prediction's path), `[data-part="note"]`. The root
 * carries `data-normalised` and `data-steps` (how many checkpoints).
 */
import Plotly, { type PlotData } from 'plotly.js-strict-dist-min';
import { measureHigherIsBetter, measureJson, measureName, measureValue } from '../../protocol/comparison.js';
import { formatValue } from '../../protocol/format.js';
import { defineComponent } from './component.js';
import { h, part } from './dom.js';
import { PLOT_CONFIG, baseLayout, plotElement, plotTools, removePlaceholder, showPlaceholder, plotText } from './plot.js';
import { isDistanceMeasure, measuresOf, type ComparisonProps } from './comparisonTable.js';

export interface CheckpointsProps extends ComparisonProps {
  /** start normalised (a remembered UI choice); the toggle changes it afterwards */
  normalised?: boolean;
}

interface PlotlyEvents {
  on(event: 'plotly_click', handler: (e: { points?: { customdata?: unknown }[] }) => void): void;
  data?: { uid?: string; visible?: unknown }[];
}

/** Values scaled to [0, 1] by their own min and max over the finite ones (all 0 when they are equal); the rest null. */
export function normalise(values: number[]): (number | null)[] {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return values.map((v) => (!Number.isFinite(v) ? null : hi > lo ? (v - lo) / (hi - lo) : 0));
}

export const mountCheckpoints = defineComponent<CheckpointsProps>('comparison-checkpoints', 'Checkpoints', ({ root, host, signal, redraw }) => {
  const toggle = h('input', { type: 'checkbox', 'data-part': 'normalise' });
  const plot = plotElement('plot-checkpoints');
  root.append(
    ...[
      h('div', { class: 'controls' }, h('label', {}, toggle, 'Normalise each measure to [0, 1]')),
      plotTools('checkpoints', plot, host, signal),
      plot,
      h('p', { class: 'note', 'data-part': 'note' }),
    ].filter((x) => x !== null),
  );
  let normalised: boolean | undefined;
  let bound = false;
  /** the visibility chosen from the legend, by measure */
  const visibility = new Map<string, unknown>();

  toggle.addEventListener(
    'change',
    () => {
      normalised = toggle.checked;
      redraw();
    },
    { signal },
  );

  return async (props, { theme: t, current }) => {
    const { comparison: doc, predictions } = props;
    normalised ??= props.normalised ?? false;
    toggle.checked = normalised;
    root.dataset.normalised = String(normalised);
    const stepped = predictions.map((p, i) => ({ ...p, i })).filter((p) => p.step !== null).sort((a, b) => a.step! - b.step! || a.i - b.i);
    root.dataset.steps = String(stepped.length);
    if (stepped.length < 2) {
      root.hidden = true;
      root.dataset.empty = 'true';
      showPlaceholder(plot, 'No checkpoints: fewer than two file names carry a step number.');
      bound = false;
      return;
    }
    root.hidden = false;
    root.dataset.empty = 'false';
    removePlaceholder(plot);
    for (const trace of (plot as unknown as PlotlyEvents).data ?? []) if (trace.uid) visibility.set(trace.uid, trace.visible ?? true);

    const measures = measuresOf(doc);
    const x = stepped.map((p) => p.step!);
    const anyDistance = !normalised && measures.some(isDistanceMeasure);
    const traces: PlotData[] = measures.map((key, k) => {
      const raw = stepped.map((p) => measureValue(doc.predictions[p.i].result, key));
      const y = normalised ? normalise(raw) : raw.map((v) => (Number.isFinite(v) ? v : null));
      const higher = measureHigherIsBetter(key);
      return {
        type: 'scatter',
        mode: 'lines+markers',
        name: key,
        uid: key,
        visible: visibility.get(key) ?? true,
        x,
        y,
        text: stepped.map((p) => `${plotText(p.name)}: ${formatValue(measureJson(doc.predictions[p.i].result, key))}`),
        customdata: stepped.map((p) => p.path),
        yaxis: !normalised && isDistanceMeasure(key) ? 'y2' : 'y',
        line: { color: t.series[k % t.series.length], width: 2, dash: higher ? 'dot' : 'solid' },
        // the palette repeats after a few colours: each round of it gets its own marker
        marker: { size: 7, symbol: ['circle', 'square', 'diamond', 'triangle-up'][Math.floor(k / t.series.length) % 4] },
        connectgaps: false,
        hovertemplate: `${plotText(measureName(key))}${higher ? ' ↑' : ''}<br>%{text}<extra>step %{x}</extra>`,
      };
    });
    const base = baseLayout(t);
    // a horizontal legend above the plot: give it room by the width it wraps at
    const perRow = Math.max(1, Math.floor((root.clientWidth || 400) / 110));
    const legendRows = Math.ceil(measures.length / perRow);
    const layout = baseLayout(t, {
      hovermode: 'closest',
      height: 320 + legendRows * 20,
      margin: { l: 48, r: anyDistance ? 48 : 12, t: 24, b: 44 },
      xaxis: { ...(base.xaxis as object), title: { text: 'step (from the file name)' }, type: 'linear' },
      yaxis: {
        ...(base.yaxis as object),
        title: { text: normalised ? 'normalised (0 = lowest, 1 = highest)' : 'score / loss' },
        ...(normalised ? { range: [-0.05, 1.05] } : {}),
      },
      ...(anyDistance
        ? { yaxis2: { ...(base.yaxis as object), title: { text: 'distance (spacing units)' }, overlaying: 'y', side: 'right', showgrid: false, tickmode: 'auto' } }
        : {}),
    });
    plot.style.height = `${320 + legendRows * 20}px`;
    part(root, 'note').textContent =
      `${stepped.length} checkpoints. Click a point to open that checkpoint against the ground truth${host.openPair ? '' : ' (not available here)'}; ` +
      'click a measure in the legend to hide or show it, double-click to show it alone. Dotted lines: higher is better' +
      (anyDistance ? '; distances on the right axis.' : '.');
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
