/**
 * The folder panel's distributions: per measure a Plotly box of its values over the cases, one box
 * per prediction folder (the runs side by side), the measures in three rows by scale — scores in
 * [0, 1], distances in spacing units, unbounded losses — so each row has one meaningful axis. Points
 * are drawn (up to 300 cases per box), hovering names the case. Values that are not finite (NaN, +∞
 * distances to an empty mask) cannot be drawn: a note counts them per measure.
 *
 * `mountFolderClasses`: per class (a select), the table of every case's class terms and hard-mask
 * scores (sortable, worst first by Dice), the class means under the host's empty rule with the
 * cases it touched, and the same boxes of the class values.
 *
 * Parts: `[data-part="plot"]` (traces' `uid` = `<measure>|<run>`), `[data-part="not-finite"]`;
 * per class `select[data-part="class"]`, `select[data-part="class-run"]`, the table
 * `[data-part="class-table"]` with rows `tr[data-class-case]` and cells `td[data-measure][data-class]`,
 * the means `tr[data-part="class-means"] td[data-scope="class-mean"]`, `[data-part="class-plot"]`.
 */
import Plotly, { type PlotData, type PlotLayout } from 'plotly.js-strict-dist-min';
import type { LossScale } from '../../kernels/registry.js';
import { fromJsonNumber, type JsonNumber } from '../../protocol/jsonNumber.js';
import { fullPrecision } from '../../protocol/format.js';
import type { FolderMeasure, FolderViewState } from '../../protocol/messages.js';
import { defineComponent } from './component.js';
import { classLabel, clear, h, part, valueCell } from './dom.js';
import { PLOT_CONFIG, baseLayout, plotElement, plotText, plotTools, removePlaceholder, showPlaceholder } from './plot.js';
import type { Theme } from './theme.js';
import { EMPTY_RULE_NAMES, defaultMeasure, drawCaseTable, higherBetter, measureLabel, measureScale, runSelect, sortClick, type FolderProps } from './folderTable.js';

const SCALE_ROWS: { scale: LossScale; title: string }[] = [
  { scale: 'score', title: 'scores in [0, 1] (↑ marks higher is better)' },
  { scale: 'distance', title: 'distances (spacing units)' },
  { scale: 'unbounded', title: 'unbounded losses' },
];

/** Most points drawn per box (beyond: outliers only). */
const MAX_POINTS = 300;

type ValuesOf = (run: number, measure: FolderMeasure) => { key: string; value: number }[];

/**
 * The box figure: one row of subplots per scale present, a box per (measure, run), the measures
 * as categories. Returns the traces and the layout, and per measure how many values were not finite.
 */
export function boxFigure(state: FolderViewState, measures: FolderMeasure[], valuesOf: ValuesOf, t: Theme): { traces: PlotData[]; layout: PlotLayout; notFinite: Map<FolderMeasure, number>; rows: number } {
  const groups = SCALE_ROWS.map((g) => ({ ...g, measures: measures.filter((m) => measureScale(m) === g.scale) })).filter((g) => g.measures.length > 0);
  const traces: PlotData[] = [];
  const notFinite = new Map<FolderMeasure, number>();
  const label = (m: FolderMeasure) => `${measureLabel(m)}${higherBetter(m) ? ' ↑' : ''}`;
  groups.forEach((g, row) => {
    const axis = row === 0 ? '' : String(row + 1);
    state.runs.forEach((run, i) => {
      const x: string[] = [];
      const y: number[] = [];
      const text: string[] = [];
      for (const m of g.measures) {
        for (const { key, value } of valuesOf(i, m)) {
          if (!Number.isFinite(value)) {
            notFinite.set(m, (notFinite.get(m) ?? 0) + 1);
            continue;
          }
          x.push(label(m));
          y.push(value);
          text.push(plotText(key));
        }
      }
      const many = Math.max(0, ...g.measures.map((m) => valuesOf(i, m).length)) > MAX_POINTS;
      traces.push({
        type: 'box',
        uid: `${g.scale}|${i}`,
        name: plotText(`${state.runs.length > 1 ? `${String.fromCharCode(65 + i)} · ` : ''}${run.name}`),
        x,
        y,
        text,
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
        offsetgroup: String(i),
        legendgroup: String(i),
        showlegend: row === 0 && state.runs.length > 1,
        boxpoints: many ? 'outliers' : 'all',
        jitter: 0.35,
        pointpos: 0,
        boxmean: true,
        marker: { color: t.series[i % t.series.length], size: 4, opacity: 0.75 },
        line: { width: 1.5 },
        hovertemplate: '%{text}<br>%{x}: %{y:.4f}<extra>%{fullData.name}</extra>',
      });
    });
  });
  const base = baseLayout(t);
  const layout: PlotLayout = {
    ...base,
    boxmode: 'group',
    boxgroupgap: 0.25,
    height: Math.max(1, groups.length) * 280 + 40,
    margin: { l: 64, r: 24, t: 32, b: 40 },
    grid: { rows: Math.max(1, groups.length), columns: 1, pattern: 'independent', ygap: 0.28 },
  };
  groups.forEach((g, row) => {
    const axis = row === 0 ? '' : String(row + 1);
    layout[`xaxis${axis}`] = { ...(base.xaxis as object), type: 'category', categoryorder: 'array', categoryarray: g.measures.map(label) };
    layout[`yaxis${axis}`] = { ...(base.yaxis as object), title: { text: g.title, font: { size: t.fontSize - 2 } }, zeroline: false, ...(g.scale === 'score' ? { range: [-0.04, 1.04] } : { rangemode: 'tozero' }) };
  });
  return { traces, layout, notFinite, rows: groups.length };
}

function notFiniteNote(el: HTMLElement, notFinite: Map<FolderMeasure, number>): void {
  const parts = [...notFinite].map(([m, n]) => `${measureLabel(m)} ${n}`);
  el.textContent = parts.length ? `Not drawn (NaN or ∞, e.g. a distance to an empty mask): ${parts.join(', ')} value${[...notFinite.values()].reduce((a, b) => a + b, 0) === 1 ? '' : 's'}. The means above say how the empty rule counts them.` : '';
  el.hidden = parts.length === 0;
}

async function drawBoxes(plot: HTMLElement, fig: ReturnType<typeof boxFigure>, empty: string): Promise<void> {
  if (fig.traces.every((tr) => (tr.y as number[]).length === 0)) {
    showPlaceholder(plot, empty);
    return;
  }
  removePlaceholder(plot);
  plot.style.height = `${fig.layout.height as number}px`;
  await Plotly.react(plot, fig.traces, fig.layout, PLOT_CONFIG);
}

// ---------------------------------------------------------------------------------------------
// The distribution over the cases

export const mountFolderDistribution = defineComponent<FolderProps>('folder-distribution', 'Distribution over the cases', ({ root, host, signal }) => {
  const plot = plotElement('plot-boxes');
  root.append(
    h('p', { class: 'note', 'data-part': 'legend' }, 'One box per loss and prediction folder: the median, the quartiles, the mean (dashed) and every case as a point; hover a point for its case.'),
    ...[plotTools('folder-distribution', plot, host, signal), plot].filter((x) => x !== null),
    h('p', { class: 'note', 'data-part': 'not-finite', hidden: true }),
  );
  return async ({ state }, { theme, current }) => {
    const valuesOf: ValuesOf = (run, m) =>
      state.runs[run]!.cases.flatMap((c) => (c.values && c.values[m] !== undefined ? [{ key: c.key, value: fromJsonNumber(c.values[m]) }] : []));
    const fig = boxFigure(state, state.measures, valuesOf, theme);
    if (!current()) return;
    notFiniteNote(part(root, 'not-finite'), fig.notFinite);
    await drawBoxes(plot, fig, 'No case evaluated yet.');
  };
});

// ---------------------------------------------------------------------------------------------
// Per class

export const mountFolderClasses = defineComponent<FolderProps>('folder-classes', 'Per class', ({ root, host, signal, redraw }) => {
  const plot = plotElement('plot-boxes');
  plot.dataset.part = 'class-plot';
  root.append(
    h('div', { class: 'controls', 'data-part': 'class-controls' }),
    h('p', { class: 'note', 'data-part': 'class-legend' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'values folder cases', 'data-part': 'class-table' })),
    ...[plotTools('folder-class', plot, host, signal), plot].filter((x) => x !== null),
    h('p', { class: 'note', 'data-part': 'not-finite', hidden: true }),
  );
  let cls: number | null = null;
  let run = 0;
  let sort: { key: FolderMeasure | ''; worstFirst: boolean } | null = null;

  root.addEventListener(
    'click',
    (e) => {
      if (!sort) return;
      const next = sortClick(e.target as Element, root, part(root, 'class-table'), sort);
      if (next) {
        sort = next;
        redraw();
      }
    },
    { signal },
  );
  root.addEventListener(
    'change',
    (e) => {
      const select = e.target as HTMLSelectElement;
      if (!root.contains(select)) return;
      if (select.matches('select[data-part="class"]')) {
        cls = Number(select.value);
        redraw();
      } else if (select.matches('select[data-part="class-run"]')) {
        run = Number(select.value) || 0;
        redraw();
      }
    },
    { signal },
  );

  return async ({ state }, { theme, current }) => {
    const controls = clear(part(root, 'class-controls'));
    const table = part<HTMLTableElement>(root, 'class-table');
    if (state.classes.length === 0) {
      clear(table);
      part(root, 'class-legend').textContent = 'No case evaluated yet.';
      showPlaceholder(plot, 'No case evaluated yet.');
      return;
    }
    if (cls === null || !state.classes.includes(cls)) cls = state.classes.find((c) => c >= 1) ?? state.classes[0]!;
    if (run >= state.runs.length) run = 0;
    const naming = { classNames: state.classNames, binary: state.binary };
    const select = h('select', { 'data-part': 'class', 'aria-label': 'Class' });
    for (const c of state.classes) {
      const opt = h('option', { value: c }, classLabel(c, naming));
      if (c === cls) opt.selected = true;
      select.append(opt);
    }
    controls.append(h('label', {}, 'Class', select));
    const runs = runSelect(state, run, 'class-run');
    if (runs) controls.append(runs);

    const c = cls;
    const valuesOfCase = (caseValues: FolderViewState['runs'][number]['cases'][number]) => caseValues.perClass?.find((e) => e.class === c)?.values;
    const present = new Set<string>();
    for (const r of state.runs) for (const cv of r.cases) for (const k of Object.keys(valuesOfCase(cv) ?? {})) present.add(k);
    const measures = state.measures.filter((m) => present.has(m));
    const fallback = measures.includes('metrics.dice') ? 'metrics.dice' : defaultMeasure(measures);
    if (sort === null || (sort.key !== '' && !measures.includes(sort.key))) sort = { key: fallback ?? '', worstFirst: true };

    const r = state.runs[run]!;
    part(root, 'class-legend').textContent =
      `${classLabel(c, naming)}: each case's term of every loss for this class and the class's hard-mask scores (${state.runs.length > 1 ? `${String.fromCharCode(65 + run)} · ${r.name}; ` : ''}` +
      `sorted by ${sort.key === '' ? 'case key' : measureLabel(sort.key)}, ${sort.worstFirst ? 'worst' : 'best'} first). The last row: the class means under the rule "${EMPTY_RULE_NAMES[state.emptyRule]}", with the cases it touched.`;
    drawCaseTable(table, {
      rows: r.cases.map((cv) => ({ key: cv.key, status: cv.status, error: cv.error, values: cv.values ? (valuesOfCase(cv) ?? {}) : undefined })),
      measures,
      sortKey: sort.key,
      worstFirst: sort.worstFirst,
      rowAttr: 'data-class-case',
      cellData: { class: c, run },
      clickable: false,
      perClass: true,
    });
    // the class means of the chosen run under the host's rule
    const classMeans = new Map((r.classMeans[state.emptyRule].find((e) => e.class === c)?.means ?? []).map((m) => [m.measure, m]));
    const foot = h('tr', { 'data-part': 'class-means', 'data-rule': state.emptyRule }, h('th', { scope: 'row', class: 'case' }, `mean (${state.emptyRule})`));
    for (const m of measures) {
      const mean = classMeans.get(m);
      if (!mean) {
        foot.append(h('td', { class: 'num muted' }, '—'));
        continue;
      }
      const cell = valueCell(mean.mean as JsonNumber, { scope: 'class-mean', measure: m, class: c, touched: mean.touched });
      cell.title = `${fullPrecision(mean.mean)} · mean of ${mean.n} case${mean.n === 1 ? '' : 's'}; the rule touched ${mean.touched}`;
      cell.append(h('span', { class: `touched${mean.touched ? '' : ' none'}` }, String(mean.touched)));
      foot.append(cell);
    }
    table.append(h('tfoot', {}, foot));

    const valuesOf: ValuesOf = (ri, m) =>
      state.runs[ri]!.cases.flatMap((cv) => {
        const v = valuesOfCase(cv)?.[m];
        return v !== undefined ? [{ key: cv.key, value: fromJsonNumber(v) }] : [];
      });
    const fig = boxFigure(state, measures, valuesOf, theme);
    if (!current()) return;
    notFiniteNote(part(root, 'not-finite'), fig.notFinite);
    await drawBoxes(plot, fig, `No value of ${classLabel(c, naming)} yet.`);
  };
});
