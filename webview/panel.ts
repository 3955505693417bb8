/**
 * The results panel (bundled to dist/webview/panel.js, loaded by the page of webview/html.ts).
 * Talks to the extension host only through webview/protocol.ts messages, validated on arrival.
 * Sections: summary (+ a teaching card per loss), per-class breakdown, boundary-distance overlay,
 * loss curves. Plots are Plotly SVG/canvas traces (no WebGL) themed from --vscode-* variables.
 *
 * For tests: `body[data-rendered="true"]` once a result is fully drawn; every value cell carries
 * `data-loss` (the full-precision number), `data-id` (loss or metric id), `data-scope`
 * (loss | perClass | metric | metricPerClass | meanForeground) and, per class, `data-class`.
 */
import './cspShim.js';
import Plotly, { type PlotData, type PlotLayout } from 'plotly.js-strict-dist-min';
import { LOSS_IDS, type LossId } from '../kernels/types.js';
import { formatCsv, formatJson, formatMarkdown, formatMs, formatValue, fullPrecision, toNumber } from './format.js';
import { FAMILY_NAMES, LOSS_CARDS } from './lossCards.js';
import type {
  CurveSet, EvaluationJson, ExportFormat, HostToWebview, ImageFormat, JsonNumber, OverlayData, PairInfo,
  PanelDetails, PanelState, SliceAxis, WebviewToHost,
} from './protocol.js';
import { isHostToWebview, isPanelDetails, isEvaluationJson } from './validate.js';
import './panel.css';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const post = (message: WebviewToHost) => vscode.postMessage(message);

let state: PanelState = restoreState(vscode.getState());
let busy = false;
let renderGeneration = 0;

// ---------------------------------------------------------------------------------------------
// DOM helpers (no innerHTML with data, no inline handlers)
// ---------------------------------------------------------------------------------------------

type Child = Node | string | null | undefined | false;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function clear(el: HTMLElement): HTMLElement {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

function restoreState(raw: unknown): PanelState {
  if (typeof raw !== 'object' || raw === null) return {};
  const s = raw as PanelState;
  const out: PanelState = { ui: s.ui ?? {} };
  if (s.pair) out.pair = s.pair;
  if (s.result && isEvaluationJson(s.result) && s.details && isPanelDetails(s.details)) {
    out.result = s.result;
    out.details = s.details;
  }
  return out;
}

function saveState(): void {
  try {
    vscode.setState(state);
  } catch {
    // a very large overlay: keep the rest
    vscode.setState({ ...state, details: state.details ? { ...state.details, overlay: null, curves: null } : undefined });
  }
}

// ---------------------------------------------------------------------------------------------
// Theme
// ---------------------------------------------------------------------------------------------

interface Theme {
  fg: string;
  bg: string;
  muted: string;
  grid: string;
  font: string;
  fontSize: number;
  series: string[];
  fp: string;
  fn: string;
  pred: string;
  gt: string;
  worst: string;
  inside: string;
  outside: string;
  zero: string;
}

function readTheme(): Theme {
  const cs = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  const light = document.body.classList.contains('vscode-light') || document.body.classList.contains('vscode-high-contrast-light');
  const fg = v('--vscode-editor-foreground', light ? '#3b3b3b' : '#cccccc');
  const bg = v('--vscode-editor-background', light ? '#ffffff' : '#1f1f1f');
  const red = v('--vscode-charts-red', light ? '#e51400' : '#f14c4c');
  const blue = v('--vscode-charts-blue', light ? '#1a85ff' : '#3794ff');
  const yellow = v('--vscode-charts-yellow', light ? '#bf8803' : '#cca700');
  const orange = v('--vscode-charts-orange', light ? '#d18616' : '#d18616');
  const green = v('--vscode-charts-green', light ? '#388a34' : '#89d185');
  const purple = v('--vscode-charts-purple', light ? '#652d90' : '#b180d7');
  const fontSize = parseFloat(v('--vscode-font-size', '13px')) || 13;
  return {
    fg,
    bg,
    muted: v('--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    grid: v('--vscode-editorWidget-border', light ? '#e5e5e5' : '#3c3c3c'),
    font: v('--vscode-font-family', 'sans-serif'),
    fontSize,
    series: [blue, orange, green, purple, yellow, red, v('--vscode-terminal-ansiCyan', light ? '#0598bc' : '#11a8cd'), v('--vscode-terminal-ansiMagenta', light ? '#bc05bc' : '#d670d6'), fg],
    fp: orange,
    fn: purple,
    pred: yellow,
    gt: fg,
    worst: red,
    inside: blue,
    outside: red,
    zero: bg,
  };
}

function baseLayout(t: Theme, extra: PlotLayout = {}): PlotLayout {
  const axis = { gridcolor: t.grid, zerolinecolor: t.grid, linecolor: t.grid, tickcolor: t.grid, color: t.fg, automargin: true };
  return {
    paper_bgcolor: t.bg,
    plot_bgcolor: t.bg,
    font: { family: t.font, size: t.fontSize - 1, color: t.fg },
    margin: { l: 56, r: 56, t: 36, b: 48 },
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
    hoverlabel: { font: { family: t.font } },
    xaxis: { ...axis },
    yaxis: { ...axis },
    ...extra,
  };
}

const PLOT_CONFIG = { responsive: true, displayModeBar: false, displaylogo: false, scrollZoom: false };

// ---------------------------------------------------------------------------------------------
// Naming helpers
// ---------------------------------------------------------------------------------------------

function className(c: number): string {
  const names = state.details?.classNames ?? [];
  if (names[c]) return names[c];
  if (state.result?.binary) return c === 1 ? 'foreground' : 'background';
  return `class ${c}`;
}

/** The engine's timing group of a loss when it has no timing of its own. */
const TIMING_GROUP: Partial<Record<LossId, string>> = {
  bce: 'pixelwise', cce: 'pixelwise', wce: 'pixelwise', focal: 'pixelwise',
  dice: 'overlap', iou: 'overlap', tversky: 'overlap', focal_tversky: 'overlap', bce_dice: 'overlap', ce_iou: 'overlap',
  lovasz: 'lovasz',
  boundary: 'distances', surface: 'distances', hausdorff: 'distances', hausdorff_dt: 'distances', hd95: 'distances', assd: 'distances', nsd: 'distances',
};

function valueCell(v: JsonNumber | undefined, data: Record<string, string | number>, digits = 4): HTMLTableCellElement {
  const x = toNumber(v);
  const cls = ['num', Number.isNaN(x) ? 'nan' : !Number.isFinite(x) ? 'inf' : ''].join(' ').trim();
  const attrs: Record<string, string | number> = { class: cls, 'data-loss': fullPrecision(v) };
  for (const [k, val] of Object.entries(data)) attrs[`data-${k}`] = val;
  const td = h('td', attrs, v === undefined ? '' : formatValue(v, digits));
  td.title = fullPrecision(v);
  return td;
}

// ---------------------------------------------------------------------------------------------
// Header, status
// ---------------------------------------------------------------------------------------------

function renderPair(pair: PairInfo | undefined): void {
  const el = clear($('pair'));
  if (!pair) {
    el.append(h('span', { class: 'muted' }, 'Waiting for an evaluation…'));
  } else {
    el.append(
      h('span', {}, h('span', { class: 'role' }, 'Prediction'), h('span', { class: 'file', 'data-role': 'pred' }, pair.pred)),
      h('span', {}, h('span', { class: 'role' }, 'Ground truth'), h('span', { class: 'file', 'data-role': 'gt' }, pair.gt)),
    );
  }
  const swap = $<HTMLButtonElement>('swap');
  swap.disabled = !pair?.swappable || busy;
  swap.title = pair?.swappable
    ? 'Swap prediction and ground truth and evaluate again'
    : 'Swapping needs two label maps (a probability map cannot be a ground truth)';
}

function setStatus(text: string, isBusy = false): void {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('busy', isBusy);
}

function showError(message: string | null, file?: string): void {
  const el = clear($('error'));
  if (message === null) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  if (file) el.append(h('span', { class: 'file' }, file), ': ');
  el.append(message);
  window.scrollTo({ top: 0 }); // the error sits under the toolbar: make sure it is seen
}

function setCopyEnabled(on: boolean): void {
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-copy]'))) b.disabled = !on;
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('.plot-tools button'))) b.disabled = !on;
}

// ---------------------------------------------------------------------------------------------
// (a) Summary
// ---------------------------------------------------------------------------------------------

function renderSummary(r: EvaluationJson): void {
  const total = Object.values(r.timingsMs).reduce<number>((a, v) => a + (Number.isFinite(toNumber(v)) ? toNumber(v) : 0), 0);
  clear($('summary-meta')).append(
    [
      r.binary ? 'Binary' : `Multi-class`,
      `${r.classes} classes`,
      `prediction ${r.prediction.kind} [${r.prediction.shape.join(' × ')}]`,
      `ground truth [${r.target.shape.join(' × ')}]`,
      `spacing [${r.spacing.join(', ')}]`,
      `backend ${r.backend}`,
      `${formatMs(total)} ms in all`,
    ].join(' · '),
  );

  const lossTable = clear($('loss-table')) as HTMLTableElement;
  lossTable.append(
    h('caption', {}, 'Losses and surface metrics'),
    h('thead', {}, h('tr', {}, h('th', {}, 'Loss'), h('th', { class: 'num' }, 'Value'), h('th', {}, 'Backend'), h('th', { class: 'num', title: 'Time in ms; * marks the time of an engine step that computed several losses at once' }, 'Time (ms)'))),
  );
  const tbody = h('tbody');
  const ids = LOSS_IDS.filter((id) => id in r.losses);
  for (const id of ids) {
    const card = LOSS_CARDS[id];
    const own = r.timingsMs[id];
    const group = TIMING_GROUP[id];
    const shared = own === undefined && group !== undefined && r.timingsMs[group] !== undefined;
    const time = own !== undefined ? formatMs(own) : shared ? formatMs(r.timingsMs[group!]) : '';
    const row = h(
      'tr',
      { class: 'clickable', 'data-card': id, title: `${card.name}: show its card` },
      h('td', {}, card.name, h('span', { class: 'id' }, id), card.better === 'higher' ? h('span', { class: 'better' }, '↑ better') : null),
      valueCell(r.losses[id], { id, scope: 'loss', 'loss-id': id }),
      h('td', {}, r.backend),
      h('td', shared ? { class: 'num', title: `the engine step '${group}', shared by several losses` } : { class: 'num' }, shared ? `${time}*` : time),
    );
    row.addEventListener('click', () => openCard(id));
    tbody.append(row);
  }
  lossTable.append(tbody);

  // Metrics
  const m = r.metrics;
  const metricTable = clear($('metric-table')) as HTMLTableElement;
  metricTable.append(
    h('caption', {}, 'Hard-mask metrics (higher is better)'),
    h('thead', {}, h('tr', {}, ...['Class', 'Dice', 'IoU', 'Precision', 'Recall', 'TP', 'FP', 'FN'].map((t, i) => h('th', { class: i ? 'num' : '' }, t)))),
  );
  const mb = h('tbody');
  for (const e of m.perClass) {
    mb.append(
      h(
        'tr',
        { 'data-class': e.class },
        h('td', {}, `${e.class} · ${className(e.class)}`),
        ...(['dice', 'iou', 'precision', 'recall'] as const).map((k) => valueCell(e[k], { id: k, scope: 'metricPerClass', class: e.class })),
        ...(['tp', 'fp', 'fn'] as const).map((k) => h('td', { class: 'num', 'data-loss': fullPrecision(e[k]), 'data-id': k, 'data-scope': 'metricPerClass', 'data-class': e.class }, String(e[k]))),
      ),
    );
  }
  mb.append(
    h(
      'tr',
      {},
      h('td', {}, h('strong', {}, 'mean foreground')),
      ...(['dice', 'iou', 'precision', 'recall'] as const).map((k) => valueCell(m.meanForeground[k], { id: k, scope: 'meanForeground' })),
      h('td', { colspan: 3 }),
    ),
    h('tr', {}, h('td', {}, h('strong', {}, 'pixel accuracy')), valueCell(m.pixelAccuracy, { id: 'pixelAccuracy', scope: 'metric' }), h('td', { colspan: 6 })),
  );
  metricTable.append(mb);

  const warnings = clear($('warnings'));
  for (const w of r.warnings) warnings.append(h('li', {}, w));

  // Cards
  const cards = clear($('cards'));
  for (const id of ids) {
    const c = LOSS_CARDS[id];
    const details = h(
      'details',
      { class: 'card', id: `card-${id}`, 'data-card': id },
      h(
        'summary',
        {},
        h(
          'div',
          { class: 'head' },
          h('span', { class: 'name' }, c.name),
          h('span', { class: 'value', 'data-loss': fullPrecision(r.losses[id]), 'data-id': id, 'data-scope': 'card' }, formatValue(r.losses[id])),
        ),
        h('div', { class: 'family' }, `${FAMILY_NAMES[c.family]} · ${id}${c.unit === 'distance' ? ' · in spacing units' : ''} · ${c.better} is better`),
        h('p', { class: 'measures' }, c.measures),
      ),
      h(
        'dl',
        {},
        h('dt', {}, 'Example'), h('dd', {}, c.example),
        h('dt', {}, 'Analogy'), h('dd', {}, c.analogy),
        h('dt', {}, 'Goal'), h('dd', {}, c.goal),
        h('dt', {}, 'Use when'), h('dd', {}, c.useWhen),
        h('dt', {}, 'Formula'), h('dd', {}, h('code', { class: 'formula' }, c.formula)),
      ),
    ) as HTMLDetailsElement;
    if (state.ui?.card === id) details.open = true;
    details.addEventListener('toggle', () => {
      if (details.open) {
        state.ui = { ...state.ui, card: id };
        saveState();
      }
    });
    cards.append(details);
  }
}

function openCard(id: string): void {
  const card = document.getElementById(`card-${id}`) as HTMLDetailsElement | null;
  if (!card) return;
  card.open = true;
  card.scrollIntoView({ behavior: 'smooth', block: 'center' });
  card.classList.remove('flash');
  void card.offsetWidth;
  card.classList.add('flash');
}

// ---------------------------------------------------------------------------------------------
// (b) Per-class breakdown
// ---------------------------------------------------------------------------------------------

/** Each class's share of the total cross entropy: its mean CE × its pixel count / N. */
function ceContribution(r: EvaluationJson, c: number): number {
  const key = r.binary ? 'bce' : 'cce';
  const entry = r.perClass.find((e) => e.class === c);
  const counts = r.metrics.perClass.map((e) => e.tp + e.fn);
  const n = counts.reduce((a, b) => a + b, 0);
  const mc = r.metrics.perClass.find((e) => e.class === c);
  if (!entry || !mc || n === 0 || entry[key] === undefined) return NaN;
  const count = mc.tp + mc.fn;
  if (count === 0) return 0;
  return (toNumber(entry[key]) * count) / n;
}

async function renderPerClass(r: EvaluationJson, t: Theme): Promise<void> {
  const classes = [...new Set([...r.perClass.map((e) => e.class), ...r.metrics.perClass.map((e) => e.class)])].sort((a, b) => a - b);
  const labels = classes.map((c) => `${c} · ${className(c)}`);
  const get = (c: number, k: string) => {
    const e = r.perClass.find((x) => x.class === c);
    return e && e[k] !== undefined ? toNumber(e[k]) : NaN;
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
  const layout = baseLayout(t, {
    barmode: 'group',
    bargap: 0.25,
    annotations,
    yaxis: { ...(baseLayout(t).yaxis as object), title: { text: 'loss (lower is better)' }, rangemode: 'tozero' },
    yaxis2: { ...(baseLayout(t).yaxis as object), title: { text: 'HD95 (spacing units)' }, overlaying: 'y', side: 'right', rangemode: 'tozero', showgrid: false, tickmode: 'auto' },
    xaxis: { ...(baseLayout(t).xaxis as object), type: 'category' },
  });
  await Plotly.react($('plot-perclass'), traces, layout, PLOT_CONFIG);

  // Table of every per-class term.
  const keys: string[] = [];
  for (const id of LOSS_IDS) if (r.perClass.some((e) => id in e)) keys.push(id);
  const table = clear($('class-table')) as HTMLTableElement;
  table.append(
    h('caption', {}, 'Every loss’s per-class term'),
    h('thead', {}, h('tr', {}, h('th', {}, 'Class'), ...keys.map((k) => h('th', { class: 'num', title: LOSS_CARDS[k as LossId]?.name ?? k }, k)))),
  );
  const tb = h('tbody');
  for (const e of r.perClass) {
    tb.append(
      h('tr', { 'data-class': e.class }, h('td', {}, `${e.class} · ${className(e.class)}`), ...keys.map((k) => (k in e ? valueCell(e[k], { id: k, scope: 'perClass', class: e.class }) : h('td', { class: 'num muted' }, '—')))),
    );
  }
  table.append(tb);
}

// ---------------------------------------------------------------------------------------------
// (c) Boundary-distance overlay
// ---------------------------------------------------------------------------------------------

let sliceTimer: ReturnType<typeof setTimeout> | undefined;
/** the last index shown or asked for per axis, so the sliders of other axes keep their place */
const lastIndex: (number | undefined)[] = [undefined, undefined, undefined];

function requestSlice(axis: SliceAxis, index: number, cls?: number): void {
  lastIndex[axis] = index;
  state.ui = { ...state.ui, slice: { axis, index }, class: cls ?? state.ui?.class };
  saveState();
  const msg: WebviewToHost = { type: 'slice', axis, index };
  if (cls !== undefined) msg.class = cls;
  else if (state.details?.overlay) msg.class = state.details.overlay.class;
  post(msg);
  setStatus(`Computing the overlay of slice ${index} along axis ${axis}…`, true);
}

const AXIS_NAMES = ['axis 0 (z)', 'axis 1 (y)', 'axis 2 (x)'];

function renderOverlayControls(o: OverlayData | null): void {
  const box = clear($('overlay-controls'));
  if (!o) return;
  if (o.classes.length > 1) {
    const select = h('select', { id: 'overlay-class', 'aria-label': 'Class shown' });
    for (const c of o.classes) {
      const opt = h('option', { value: c }, `${c} · ${className(c)}`);
      if (c === o.class) opt.selected = true;
      select.append(opt);
    }
    select.addEventListener('change', () => {
      // the slice last asked for (the host may not have answered yet), else the one shown
      const s = state.ui?.slice ?? o.slice;
      requestSlice(s ? s.axis : 0, s ? s.index : 0, Number(select.value));
    });
    box.append(h('label', {}, 'Class', select));
  }
  const s = o.slice;
  if (s) {
    for (const a of [0, 1, 2] as SliceAxis[]) {
      const max = s.counts[a] - 1;
      if (a === s.axis) lastIndex[a] = s.index;
      const value = a === s.axis ? s.index : Math.min(max, lastIndex[a] ?? Math.floor(max / 2));
      const input = h('input', { type: 'range', min: 0, max, step: 1, value, id: `slice-${a}`, 'data-axis': a, 'aria-label': `Slice along ${AXIS_NAMES[a]}` }) as HTMLInputElement;
      const out = h('output', { for: `slice-${a}` }, `${value} / ${max}`);
      input.addEventListener('input', () => {
        out.textContent = `${input.value} / ${max}`;
        for (const row of Array.from(box.querySelectorAll('.axis'))) row.classList.toggle('active', row === input.parentElement);
        clearTimeout(sliceTimer);
        sliceTimer = setTimeout(() => requestSlice(a, Number(input.value)), 120);
      });
      box.append(h('div', { class: `axis${a === s.axis ? ' active' : ''}` }, h('span', { class: 'axis-name' }, AXIS_NAMES[a]), input, out));
    }
    if (o.worst && !o.worst.inSlice) {
      const go = h('button', { type: 'button', class: 'secondary', id: 'goto-worst' }, `Go to the Hausdorff point (slice ${o.worst.at[s.axis]})`);
      go.addEventListener('click', () => requestSlice(s.axis, o.worst!.at[s.axis]));
      box.append(go);
    }
  }
}

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

async function renderOverlay(t: Theme): Promise<void> {
  const d = state.details;
  const o = d?.overlay ?? null;
  const el = $('plot-overlay');
  const note = $('overlay-note');
  renderOverlayControls(o);
  if (!o) {
    Plotly.purge(el);
    clear(el).append(h('div', { class: 'placeholder' }, d?.overlayError ? `No overlay: ${d.overlayError}` : 'No overlay for this result.'));
    note.textContent = '';
    return;
  }
  el.querySelector('.placeholder')?.remove();
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
  await Plotly.react(el, traces, layout, PLOT_CONFIG);

  const parts = [`Class ${o.class} · ${className(o.class)}`];
  if (o.slice) parts.push(`slice ${o.slice.index} of ${o.slice.counts[o.slice.axis]} along ${AXIS_NAMES[o.slice.axis]}`);
  parts.push(o.sdf ? 'colour: the ground truth’s signed distance φ (the boundary loss’s map; blue inside, red outside, 0 on its boundary)' : 'the ground truth of this class is empty or fills the image, so φ = 0');
  if (w) {
    parts.push(`Hausdorff distance ${formatValue(w.distance, 4)} at ${w.on === 'prediction' ? 'a predicted' : 'a ground-truth'} boundary point [${w.at.join(', ')}]${w.inSlice ? '' : ' (another slice)'}`);
  } else parts.push('no Hausdorff point: a boundary is empty');
  if (stride > 1) parts.push(`maps shown at 1/${stride} resolution`);
  note.textContent = parts.join(' · ') + '.';
  const section = $('overlay');
  section.dataset.class = String(o.class);
  section.dataset.slice = o.slice ? `${o.slice.axis}:${o.slice.index}` : '';
}

// ---------------------------------------------------------------------------------------------
// (d) Loss curves
// ---------------------------------------------------------------------------------------------

const DISTANCE_LOSSES = new Set(['hausdorff', 'hd95', 'assd']);
const PIXEL_LOSSES = new Set(['bce', 'cce', 'wce', 'focal', 'bce_dice', 'ce_iou', 'boundary', 'surface', 'hausdorff_dt']);

function renderCurvesControls(sets: CurveSet[]): number {
  const box = clear($('curves-controls'));
  let chosen = Math.min(state.ui?.curveSet ?? 0, sets.length - 1);
  if (chosen < 0) chosen = 0;
  if (sets.length > 1) {
    const select = h('select', { id: 'curve-set', 'aria-label': 'Curves of class' });
    sets.forEach((s, i) => {
      const opt = h('option', { value: i }, s.class === null ? 'whole prediction' : `${s.class} · ${className(s.class)}`);
      if (i === chosen) opt.selected = true;
      select.append(opt);
    });
    select.addEventListener('change', () => {
      state.ui = { ...state.ui, curveSet: Number(select.value) };
      saveState();
      void renderCurves(readTheme());
    });
    box.append(h('label', {}, 'Class', select));
  }
  return chosen;
}

async function renderCurves(t: Theme): Promise<void> {
  const d = state.details;
  const el = $('plot-curves');
  const note = $('curves-note');
  const sets = d?.curves ?? null;
  if (!sets || sets.length === 0) {
    clear($('curves-controls'));
    Plotly.purge(el);
    clear(el).append(h('div', { class: 'placeholder' }, d?.curvesError ? `No loss curves: ${d.curvesError}` : sets ? 'No loss curves for this result.' : 'Computing loss curves…'));
    note.textContent = '';
    return;
  }
  el.querySelector('.placeholder')?.remove();
  const s = sets[renderCurvesControls(sets)];
  // Three stacked panels sharing the x axis, one per scale: overlap losses and NSD (0–1),
  // cross entropy (unbounded), distances (spacing units). Empty panels are left out.
  const groupOf = (loss: string) => (DISTANCE_LOSSES.has(loss) ? 2 : PIXEL_LOSSES.has(loss) ? 1 : 0);
  const present = [0, 1, 2].filter((g) => s.series.some((x) => groupOf(x.loss) === g));
  const GROUP_TITLES = ['overlap / score', 'cross entropy', 'distance'];
  const gap = 0.06;
  const height = (1 - gap * (present.length - 1)) / present.length;
  const axisOf = new Map<number, number>(); // group → axis number (1 = the top panel)
  present.forEach((g, i) => axisOf.set(g, i + 1));
  let anyInfinite = false;
  const traces: PlotData[] = s.series.map((series, k) => {
    const axis = axisOf.get(groupOf(series.loss))!;
    const y = series.values.map((v) => {
      const x = toNumber(v);
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
      line: { color: t.series[k % t.series.length], width: 2, dash: series.loss === 'nsd' ? 'dot' : 'solid' },
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
      title: { text: GROUP_TITLES[g] },
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
  await Plotly.react(el, traces, layout, PLOT_CONFIG);
  note.textContent =
    (s.mode === 'threshold'
      ? 'Each point evaluates the prediction binarised at that threshold (one-vs-rest for a class).'
      : 'Each point evaluates the predicted mask eroded or dilated by that many pixels (cross-shaped element).') +
    (anyInfinite ? ' Gaps: infinite distances (an empty mask).' : '') +
    ' nsd is a score: higher is better.';
}

// ---------------------------------------------------------------------------------------------
// Rendering all
// ---------------------------------------------------------------------------------------------

function markRendered(on: boolean): void {
  document.body.dataset.rendered = on ? 'true' : 'false';
}

async function renderAll(): Promise<void> {
  const gen = ++renderGeneration;
  const r = state.result;
  renderPair(state.pair);
  if (!r || !state.details) {
    $('content').hidden = true;
    setCopyEnabled(false);
    return;
  }
  markRendered(false);
  $('content').hidden = false;
  setCopyEnabled(true);
  const t = readTheme();
  renderSummary(r);
  await Promise.all([renderPerClass(r, t), renderOverlay(t), renderCurves(t)]);
  if (gen !== renderGeneration) return;
  markRendered(true);
  post({ type: 'rendered' });
}

async function rerender(what: 'overlay' | 'curves'): Promise<void> {
  const t = readTheme();
  if (what === 'overlay') await renderOverlay(t);
  else await renderCurves(t);
}

/** Whether a result belongs to the pair shown (paths as displayed end with the result's file names). */
function samePair(r: EvaluationJson, pair: PairInfo | undefined): boolean {
  if (!pair) return true;
  const base = (p: string) => p.split(/[\\/]/).pop() ?? p;
  return base(r.prediction.path) === base(pair.pred) && base(r.target.path) === base(pair.gt);
}

function report(error: unknown): void {
  const message = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  post({ type: 'log', level: 'error', message });
}

// ---------------------------------------------------------------------------------------------
// Messages from the host
// ---------------------------------------------------------------------------------------------

function onMessage(msg: HostToWebview): void {
  switch (msg.type) {
    case 'state':
      state.pair = msg.pair;
      busy = Boolean(msg.busy);
      renderPair(msg.pair);
      if (busy) {
        markRendered(false);
        setStatus('Evaluating…', true);
        showError(null);
      }
      saveState();
      break;
    case 'progress':
      setStatus(msg.message, true);
      break;
    case 'result':
      busy = false;
      state.result = msg.result;
      state.details = msg.details;
      state.ui = { ...state.ui, slice: undefined, class: undefined };
      lastIndex.fill(undefined);
      saveState();
      showError(null);
      setStatus('');
      renderAll().catch(report);
      break;
    case 'overlay':
      if (!state.details) break;
      state.details = { ...state.details, overlay: msg.overlay, overlayError: msg.error };
      saveState();
      setStatus('');
      rerender('overlay').catch(report);
      break;
    case 'curves':
      if (!state.details) break;
      state.details = { ...state.details, curves: msg.curves, curvesError: msg.error };
      saveState();
      rerender('curves').catch(report);
      break;
    case 'error':
      // An evaluation that failed (or a pair changed since the result) leaves no valid numbers:
      // drop the old result rather than show it under another pair's names.
      if (busy || (state.result && !samePair(state.result, state.pair))) {
        state.result = undefined;
        state.details = undefined;
        saveState();
        renderAll().catch(report);
      }
      busy = false;
      renderPair(state.pair);
      setStatus('');
      showError(msg.message, msg.file);
      break;
    case 'exported':
      if (msg.what === 'copy') setStatus(msg.ok ? `Copied the results as ${msg.format.toUpperCase()}.` : `Copy failed${msg.message ? `: ${msg.message}` : ''}.`);
      else setStatus(msg.ok ? (msg.path ? `Saved ${msg.path}` : 'Saved.') : msg.message ? `Not saved: ${msg.message}` : 'Not saved.');
      break;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const msg: unknown = event.data;
  if (!isHostToWebview(msg)) {
    const type = typeof msg === 'object' && msg !== null && 'type' in msg ? String((msg as { type: unknown }).type) : typeof msg;
    post({ type: 'log', level: 'warn', message: `panel: ignored an invalid message (${type})` });
    return;
  }
  try {
    onMessage(msg);
  } catch (e) {
    report(e);
  }
});

// ---------------------------------------------------------------------------------------------
// Controls
// ---------------------------------------------------------------------------------------------

$('swap').addEventListener('click', () => {
  busy = true;
  renderPair(state.pair);
  markRendered(false);
  setStatus('Swapping prediction and ground truth…', true);
  post({ type: 'swap' });
});

for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-copy]'))) {
  b.addEventListener('click', () => {
    const r = state.result;
    if (!r) return;
    const format = b.dataset.copy as ExportFormat;
    const names = state.details?.classNames ?? [];
    const text = format === 'json' ? formatJson(r) : format === 'csv' ? formatCsv(r, names) : formatMarkdown(r, names);
    post({ type: 'copy', format, text });
  });
}

const PLOT_IDS: Record<string, string> = { perclass: 'plot-perclass', overlay: 'plot-overlay', curves: 'plot-curves' };

for (const tools of Array.from(document.querySelectorAll<HTMLElement>('.plot-tools'))) {
  const plot = tools.dataset.plot!;
  tools.append(h('span', { class: 'muted' }, 'Save plot'));
  for (const format of ['png', 'svg'] as ImageFormat[]) {
    const b = h('button', { type: 'button', class: 'secondary', 'data-save': `${plot}:${format}`, title: `Save this plot as ${format.toUpperCase()}` }, format.toUpperCase());
    b.addEventListener('click', () => {
      const el = $(PLOT_IDS[plot]);
      if (!el.classList.contains('js-plotly-plot')) return;
      const width = Math.max(400, Math.round(el.clientWidth));
      const height = Math.max(300, Math.round(el.clientHeight));
      setStatus(`Rendering ${format.toUpperCase()}…`, true);
      Plotly.toImage(el, { format, width, height, scale: format === 'png' ? 2 : 1 })
        .then((dataUrl) => post({ type: 'savePlot', name: `segscope-${plot}`, format, dataUrl }))
        .catch((e: unknown) => {
          setStatus('');
          report(e);
        });
    });
    tools.append(b);
  }
}

// Re-theme when VS Code switches themes (it changes the body's class and the variables).
new MutationObserver(() => {
  if (state.result) renderAll().catch(report);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

window.addEventListener('error', (e) => post({ type: 'log', level: 'error', message: `${e.message} (${e.filename}:${e.lineno})` }));
window.addEventListener('unhandledrejection', (e) => report(e.reason));

setCopyEnabled(false);
renderAll().catch(report);
post({ type: 'ready' });
