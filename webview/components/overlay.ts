/**
 * The boundary-distance overlay of one class: the ground truth's signed distance φ as a heatmap,
 * false positives / negatives over it, both contours, and the point realising the Hausdorff
 * distance. Where the host answers requests: a class select, a slider per axis for a 3D volume
 * and "Go to the Hausdorff point" when that point lies on another slice; each asks the host for
 * a new overlay, which comes back as new props.
 *
 * The root carries `data-class` (the class shown) and `data-slice` ("axis:index", "" in 2D).
 */
import Plotly, { type PlotData } from 'plotly.js-strict-dist-min';
import type { OverlayData, SliceAxis } from '../../protocol/messages.js';
import type { SliceRequest } from '../host.js';
import { formatValue } from '../../protocol/format.js';
import { defineComponent } from './component.js';
import { classLabel, clear, h, part, type ClassNaming } from './dom.js';
import { PLOT_CONFIG, baseLayout, plotElement, plotTools, removePlaceholder, showPlaceholder } from './plot.js';

export interface OverlayProps extends ClassNaming {
  /** the overlay to show; null when there is none (then `error` may say why) */
  overlay: OverlayData | null;
  error?: string;
  /**
   * the slice the user last asked for (a remembered UI choice; the host may not have answered
   * yet); undefined while nothing was asked since the result came, which also lets the sliders
   * of the other axes start afresh
   */
  slice?: { axis: SliceAxis; index: number };
}

const AXIS_NAMES = ['axis 0 (z)', 'axis 1 (y)', 'axis 2 (x)'];

function polylineXY(lines: [number, number][][]): { x: (number | null)[]; y: (number | null)[] } {
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  for (const line of lines) {
    for (const [px, py] of line) {
      x.push(px);
      y.push(py);
    }
    x.push(null);
    y.push(null);
  }
  return { x, y };
}

export const mountOverlay = defineComponent<OverlayProps>('overlay', 'Boundary distance', ({ root, host, signal }) => {
  const controls = h('div', { class: 'controls', 'data-part': 'controls' });
  const plot = plotElement('plot-square');
  const note = h('p', { class: 'note', 'data-part': 'note' });
  root.append(...[controls, plotTools('overlay', plot, host, signal), plot, note].filter((x) => x !== null));

  let naming: ClassNaming = { classNames: [], binary: false };
  /** the overlay shown */
  let shown: OverlayData | null = null;
  /** the slice last asked for */
  let asked: { axis: SliceAxis; index: number } | undefined;
  /** the last index shown or asked for per axis, so the sliders of other axes keep their place */
  const lastIndex: (number | undefined)[] = [undefined, undefined, undefined];
  let sliceTimer: ReturnType<typeof setTimeout> | undefined;
  signal.addEventListener('abort', () => clearTimeout(sliceTimer));

  const requestSlice = (axis: SliceAxis, index: number, cls?: number) => {
    if (!host.request) return;
    lastIndex[axis] = index;
    asked = { axis, index };
    host.saveUi?.(cls === undefined ? { slice: { axis, index } } : { slice: { axis, index }, class: cls });
    const msg: SliceRequest = { type: 'slice', axis, index };
    if (cls !== undefined) msg.class = cls;
    else if (shown) msg.class = shown.class;
    host.request(msg);
  };

  // delegated: the controls are rebuilt by every render
  controls.addEventListener(
    'change',
    (e) => {
      const select = e.target as HTMLSelectElement;
      if (!select.matches('select[data-part="overlay-class"]') || !shown) return;
      // the slice last asked for (the host may not have answered yet), else the one shown
      const s = asked ?? shown.slice;
      requestSlice(s ? s.axis : 0, s ? s.index : 0, Number(select.value));
    },
    { signal },
  );
  controls.addEventListener(
    'input',
    (e) => {
      const input = e.target as HTMLInputElement;
      if (!input.matches('input[type="range"][data-axis]')) return;
      const axis = Number(input.dataset.axis) as SliceAxis;
      const row = input.parentElement!;
      row.querySelector('output')!.textContent = `${input.value} / ${input.max}`;
      for (const r of Array.from(controls.querySelectorAll('.axis'))) r.classList.toggle('active', r === row);
      clearTimeout(sliceTimer);
      sliceTimer = setTimeout(() => requestSlice(axis, Number(input.value)), 120);
    },
    { signal },
  );
  controls.addEventListener(
    'click',
    (e) => {
      const go = (e.target as Element).closest('[data-part="goto-worst"]');
      const s = shown?.slice;
      if (go && s && shown?.worst) requestSlice(s.axis, shown.worst.at[s.axis]);
    },
    { signal },
  );

  const renderControls = (o: OverlayData | null) => {
    clear(controls);
    if (!o || !host.request) return;
    if (o.classes.length > 1) {
      const select = h('select', { 'data-part': 'overlay-class', 'aria-label': 'Class shown' });
      for (const c of o.classes) {
        const opt = h('option', { value: c }, classLabel(c, naming));
        if (c === o.class) opt.selected = true;
        select.append(opt);
      }
      controls.append(h('label', {}, 'Class', select));
    }
    const s = o.slice;
    if (!s) return;
    for (const a of [0, 1, 2] as SliceAxis[]) {
      const max = s.counts[a] - 1;
      if (a === s.axis) lastIndex[a] = s.index;
      const value = a === s.axis ? s.index : Math.min(max, lastIndex[a] ?? Math.floor(max / 2));
      const input = h('input', { type: 'range', min: 0, max, step: 1, value, 'data-axis': a, 'aria-label': `Slice along ${AXIS_NAMES[a]}` });
      controls.append(h('div', { class: `axis${a === s.axis ? ' active' : ''}` }, h('span', { class: 'axis-name' }, AXIS_NAMES[a]), input, h('output', {}, `${value} / ${max}`)));
    }
    if (o.worst && !o.worst.inSlice) {
      controls.append(h('button', { type: 'button', class: 'secondary', 'data-part': 'goto-worst' }, `Go to the Hausdorff point (slice ${o.worst.at[s.axis]})`));
    }
  };

  return async (props, { theme: t, current }) => {
    naming = { classNames: props.classNames, binary: props.binary };
    asked = props.slice;
    if (!asked) lastIndex.fill(undefined);
    const o = props.overlay;
    shown = o;
    renderControls(o);
    if (!o) {
      showPlaceholder(plot, props.error ? `No overlay: ${props.error}` : 'No overlay for this result.');
      note.textContent = '';
      return;
    }
    removePlaceholder(plot);
    const { stride } = o.grid;
    // The in-plane axes: rows along `ra`, columns along `ca` of the whole array.
    const axes = o.slice ? ([0, 1, 2] as number[]).filter((a) => a !== o.slice!.axis) : [0, 1];
    const [ra, ca] = axes;
    const traces: PlotData[] = [];
    if (o.sdf) {
      // blue (deepest inside) → background colour at φ = 0 → red (farthest outside)
      const lo = Math.min(o.sdfRange[0], 0);
      const hi = Math.max(o.sdfRange[1], lo + 1e-9);
      const z0 = Math.min(1, Math.max(0, -lo / (hi - lo)));
      const colorscale = z0 <= 0 ? [[0, t.zero], [1, t.outside]] : z0 >= 1 ? [[0, t.inside], [1, t.zero]] : [[0, t.inside], [z0, t.zero], [1, t.outside]];
      traces.push({
        type: 'heatmap',
        name: 'φ',
        z: o.sdf,
        x0: 0,
        dx: stride,
        y0: 0,
        dy: stride,
        zmin: lo,
        zmax: hi,
        colorscale,
        colorbar: { title: { text: 'φ', side: 'right' }, thickness: 12, outlinewidth: 0, tickfont: { color: t.fg } },
        hovertemplate: 'x %{x}, y %{y}<br>φ = %{z:.2f}<extra></extra>',
        showlegend: false,
      });
    }
    traces.push({
      type: 'heatmap',
      name: 'errors',
      z: o.errors,
      x0: 0,
      dx: stride,
      y0: 0,
      dy: stride,
      zmin: 1,
      zmax: 2,
      colorscale: [[0, t.fp], [0.5, t.fp], [0.5, t.fn], [1, t.fn]],
      opacity: 0.6,
      showscale: false,
      hoverongaps: false,
      text: o.errors.map((row) => row.map((v) => (v === 1 ? 'false positive' : v === 2 ? 'false negative' : ''))),
      hovertemplate: 'x %{x}, y %{y}<br>%{text}<extra></extra>',
      showlegend: false,
    });
    // legend entries of the error colours
    traces.push({ type: 'scatter', mode: 'markers', x: [null], y: [null], name: `false positive (${o.fpCount} px)`, marker: { color: t.fp, symbol: 'square', size: 12 } });
    traces.push({ type: 'scatter', mode: 'markers', x: [null], y: [null], name: `false negative (${o.fnCount} px)`, marker: { color: t.fn, symbol: 'square', size: 12 } });
    const g = polylineXY(o.gtContour);
    traces.push({ type: 'scatter', mode: 'lines', name: 'ground truth contour', x: g.x, y: g.y, line: { color: t.gt, width: 1, dash: 'dot' }, hoverinfo: 'skip', connectgaps: false });
    const p = polylineXY(o.predContour);
    traces.push({ type: 'scatter', mode: 'lines', name: 'prediction contour', x: p.x, y: p.y, line: { color: t.pred, width: 2 }, hoverinfo: 'skip', connectgaps: false });

    const annotations: Record<string, unknown>[] = [];
    const w = o.worst;
    if (w && w.inSlice) {
      const ax = w.at[ca];
      const ay = w.at[ra];
      const nearInSlice = !o.slice || w.nearest[o.slice.axis] === o.slice.index;
      if (nearInSlice) {
        traces.push({ type: 'scatter', mode: 'lines', x: [ax, w.nearest[ca]], y: [ay, w.nearest[ra]], line: { color: t.worst, width: 2, dash: 'dash' }, hoverinfo: 'skip', showlegend: false });
      }
      traces.push({
        type: 'scatter',
        mode: 'markers',
        name: `Hausdorff point (${formatValue(w.distance, 2)})`,
        x: [ax],
        y: [ay],
        marker: { color: t.worst, size: 12, symbol: 'x-thin-open', line: { width: 3, color: t.worst } },
        hovertemplate: `Hausdorff point on the ${w.on === 'prediction' ? 'prediction' : 'ground truth'} boundary<br>x %{x}, y %{y}<br>distance ${formatValue(w.distance, 4)}<extra></extra>`,
      });
      annotations.push({
        x: ax, y: ay, text: `HD = ${formatValue(w.distance, 2)}`, showarrow: true, arrowhead: 0, arrowcolor: t.worst,
        ax: 30, ay: -30, font: { color: t.worst, size: t.fontSize }, bgcolor: t.bg, bordercolor: t.worst, borderpad: 3,
      });
    }
    const base = baseLayout(t);
    const layout = baseLayout(t, {
      annotations,
      margin: { l: 48, r: 24, t: 40, b: 40 },
      xaxis: { ...(base.xaxis as object), range: [-0.5, o.width - 0.5], constrain: 'domain', showgrid: false, zeroline: false, title: { text: `x (axis ${ca})` } },
      yaxis: { ...(base.yaxis as object), range: [o.height - 0.5, -0.5], scaleanchor: 'x', scaleratio: o.spacing[0] / o.spacing[1], constrain: 'domain', showgrid: false, zeroline: false, title: { text: `y (axis ${ra})` } },
    });
    await Plotly.react(plot, traces, layout, PLOT_CONFIG);
    if (!current()) return;

    const parts = [`Class ${classLabel(o.class, naming)}`];
    if (o.slice) parts.push(`slice ${o.slice.index} of ${o.slice.counts[o.slice.axis]} along ${AXIS_NAMES[o.slice.axis]}`);
    parts.push(o.sdf ? 'colour: the ground truth’s signed distance φ (the boundary loss’s map; blue inside, red outside, 0 on its boundary)' : 'the ground truth of this class is empty or fills the image, so φ = 0');
    if (w) {
      parts.push(`Hausdorff distance ${formatValue(w.distance, 4)} at ${w.on === 'prediction' ? 'a predicted' : 'a ground-truth'} boundary point [${w.at.join(', ')}]${w.inSlice ? '' : ' (another slice)'}`);
    } else parts.push('no Hausdorff point: a boundary is empty');
    if (stride > 1) parts.push(`maps shown at 1/${stride} resolution`);
    note.textContent = parts.join(' · ') + '.';
    root.dataset.class = String(o.class);
    root.dataset.slice = o.slice ? `${o.slice.axis}:${o.slice.index}` : '';
  };
});
