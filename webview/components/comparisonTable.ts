/**
 * The Loss Comparison's table: every ranked measure (each loss the results hold, then the hard-mask
 * Dice and IoU) × every prediction, 4 decimals, the best value of each measure marked (direction
 * from the document's own `higherIsBetter`), sortable by any measure's rank (click its header;
 * again to reverse), an "Open" button per prediction where the host can open pairs, and a
 * per-class table of one chosen loss (rows predictions, columns classes).
 *
 * Also the props and the small pure helpers the three comparison components share
 * (comparisonTable, disagreements, checkpoints): how predictions are named, the measures of a
 * document in order, the best values; a measure's name, value and direction come from
 * protocol/comparison.ts, as the engine and the CLI read them.
 *
 * Cells: `td[data-scope="comparison"][data-measure][data-prediction]` (`data-loss` full precision,
 * `data-best="true"` on the best), per class `td[data-scope="comparison-class"][data-measure]
 * [data-prediction][data-class]`; rows `tr[data-prediction][data-path]`; the open buttons
 * `button[data-action="open-pair"][data-prediction][data-path]`; the headers
 * `th[data-measure] button[data-sort-key]`, the table `[data-part="table"][data-sort][data-sort-dir]`.
 */
import { stemOf } from '../../formats/extensions.js';
import { measureHigherIsBetter, measureJson, measureName, measureValue } from '../../protocol/comparison.js';
import type { ComparisonEntry, ComparisonJson, ComparisonViewState, RankedMeasure } from '../../protocol/messages.js';
import { LOSS_IDS, LOSSES, higherIsBetter, isLossId, type LossId } from '../../kernels/registry.js';
import { fromJsonNumber } from '../../protocol/jsonNumber.js';
import { fullPrecision } from '../../protocol/format.js';
import { defineComponent } from './component.js';
import { classLabel, clear, h, part, valueCell } from './dom.js';

// ---------------------------------------------------------------------------------------------
// Shared by the comparison components
// ---------------------------------------------------------------------------------------------

/** One prediction of a comparison as the components show it. */
export interface PredictionInfo {
  /** short display name: the file name without its extension (the shown path where two share one) */
  name: string;
  /** the path as displayed */
  shown: string;
  /** the absolute path `ViewHost.openPair` names; null where there is none (no open buttons) */
  path: string | null;
  /** the training step the file name carries, or null */
  step: number | null;
}

/** What each comparison component takes. */
export interface ComparisonProps {
  comparison: ComparisonJson;
  /** `comparison.predictions[i]`'s names and paths, same order */
  predictions: PredictionInfo[];
  /** display name of class c at index c */
  classNames: string[];
}

/**
 * The predictions of a document, named: by file name (the shown path where two have the same
 * one), with the absolute path of the entry each came from (`entries`: the done entries of a
 * view state, in order; absent where the document stands alone, e.g. a notebook).
 */
export function namePredictions(doc: ComparisonJson, entries?: ComparisonEntry[]): PredictionInfo[] {
  const shown = doc.predictions.map((p, i) => entries?.[i]?.shown ?? p.path);
  const stems = shown.map(stemOf);
  return doc.predictions.map((p, i) => ({
    name: stems.filter((s) => s === stems[i]).length > 1 ? shown[i] : stems[i],
    shown: shown[i],
    path: entries?.[i]?.path ?? null,
    step: p.step,
  }));
}

/** The components' props of a side-view state; null when it has no comparison. */
export function comparisonProps(state: ComparisonViewState): ComparisonProps | null {
  const doc = state.comparison;
  if (!doc) return null;
  const done = state.entries.filter((e) => e.status === 'done');
  return { comparison: doc, predictions: namePredictions(doc, done.length === doc.predictions.length ? done : undefined), classNames: state.classNames };
}

/** The document's ranked measures: its losses in registry order, then the hard-mask metrics. */
export function measuresOf(doc: ComparisonJson): RankedMeasure[] {
  const keys = Object.keys(doc.ranks) as RankedMeasure[];
  const order = (k: RankedMeasure) => (isLossId(k) ? LOSS_IDS.indexOf(k) : LOSS_IDS.length + (k === 'metrics.dice' ? 0 : 1));
  return keys.sort((a, b) => order(a) - order(b));
}

/** Whether the measure is a distance in spacing units (the losses the registry marks so). */
export function isDistanceMeasure(key: RankedMeasure): boolean {
  return isLossId(key) && LOSSES[key].unit === 'distance';
}

/**
 * The indexes holding the best value (ties all; NaN never), or none when there is nothing to
 * choose between (fewer than two values, or all equal).
 */
export function bestOf(values: number[], higher: boolean): Set<number> {
  const valid = values.filter((v) => !Number.isNaN(v));
  if (values.length < 2 || valid.length === 0) return new Set();
  const best = higher ? Math.max(...valid) : Math.min(...valid);
  if (valid.length === values.length && valid.every((v) => v === best)) return new Set();
  return new Set(values.flatMap((v, i) => (v === best ? [i] : [])));
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

/** The losses that have per-class terms in some prediction's result. */
function perClassLosses(doc: ComparisonJson): LossId[] {
  return LOSS_IDS.filter((id) => doc.predictions.some((p) => p.result.perClass.some((e) => id in e)));
}

export const mountComparisonTable = defineComponent<ComparisonProps>('comparison-table', 'Every loss, every prediction', ({ root, host, signal, redraw }) => {
  root.append(
    h('p', { class: 'note', 'data-part': 'legend' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'values comparison', 'data-part': 'table' })),
    h('h3', {}, 'Per class'),
    h('div', { class: 'controls', 'data-part': 'class-controls' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'values comparison', 'data-part': 'class-table' })),
  );
  /** the measure the rows are sorted by (null: the comparison's own order) and the direction */
  let sortKey: RankedMeasure | null = null;
  let reverse = false;
  /** the loss of the per-class table */
  let classLoss: LossId | null = null;

  root.addEventListener(
    'click',
    (e) => {
      const target = e.target as Element;
      const sort = target.closest<HTMLButtonElement>('button[data-sort-key]');
      if (sort && root.contains(sort)) {
        const key = (sort.dataset.sortKey || null) as RankedMeasure | null;
        if (key === sortKey) reverse = !reverse;
        else {
          sortKey = key;
          reverse = false;
        }
        redraw();
        return;
      }
      const open = target.closest<HTMLButtonElement>('button[data-action="open-pair"]');
      if (open && root.contains(open) && open.dataset.path) host.openPair?.(open.dataset.path);
    },
    { signal },
  );
  root.addEventListener(
    'change',
    (e) => {
      const select = e.target as HTMLSelectElement;
      if (!select.matches('select[data-part="class-loss"]')) return;
      classLoss = isLossId(select.value) ? select.value : null;
      redraw();
    },
    { signal },
  );

  return ({ comparison: doc, predictions, classNames }) => {
    const measures = measuresOf(doc);
    if (sortKey !== null && !measures.includes(sortKey)) sortKey = null;
    const n = doc.predictions.length;
    const rankOf = (key: RankedMeasure, i: number) => doc.ranks[key]?.[i] ?? Number.POSITIVE_INFINITY;
    const order = [...Array(n).keys()].sort((i, j) => {
      const d = sortKey === null ? i - j : rankOf(sortKey, i) - rankOf(sortKey, j) || i - j;
      return reverse ? -d : d;
    });
    const canOpen = host.openPair !== undefined;
    const nameCell = (i: number) => {
      const p = predictions[i];
      return h(
        'th',
        { scope: 'row', class: 'pred', title: p.shown },
        h('span', { class: 'name' }, p.name),
        canOpen && p.path
          ? h('button', { type: 'button', class: 'secondary open', 'data-action': 'open-pair', 'data-prediction': i, 'data-path': p.path, title: `Open ${p.shown} against the ground truth in the results panel` }, 'Open')
          : null,
      );
    };
    const dirLabel = (higher: boolean) => (higher ? 'higher is better' : 'lower is better');

    part(root, 'legend').textContent = n > 1
      ? 'The best value of each column is marked. Click a column header to sort the predictions by that measure (best first); click it again to reverse.'
      : 'One prediction: add more to compare them.';

    // the main table
    const table = clear(part<HTMLTableElement>(root, 'table'));
    table.dataset.sort = sortKey ?? '';
    table.dataset.sortDir = reverse ? 'desc' : 'asc';
    const ariaSort = (key: RankedMeasure | null) => (key === sortKey ? (reverse ? 'descending' : 'ascending') : undefined);
    const arrow = (key: RankedMeasure | null) => (key === sortKey ? (reverse ? ' ▾' : ' ▴') : '');
    const head = h(
      'tr',
      {},
      h('th', { class: 'pred', 'aria-sort': ariaSort(null) }, h('button', { type: 'button', class: 'sort', 'data-sort-key': '', title: 'Sort by file name' }, `Prediction${arrow(null)}`)),
    );
    for (const key of measures) {
      const higher = measureHigherIsBetter(key);
      head.append(
        h(
          'th',
          { class: 'num', 'data-measure': key, 'aria-sort': ariaSort(key) },
          h('button', { type: 'button', class: 'sort', 'data-sort-key': key, title: `${measureName(key)} (${dirLabel(higher)}): sort by its rank` }, key, higher ? h('span', { class: 'better' }, '↑') : null, arrow(key)),
        ),
      );
    }
    const best = new Map(measures.map((key) => [key, bestOf(doc.predictions.map((p) => measureValue(p.result, key)), measureHigherIsBetter(key))]));
    const body = h('tbody');
    for (const i of order) {
      const row = h('tr', { 'data-prediction': i, 'data-path': predictions[i].path ?? undefined }, nameCell(i));
      for (const key of measures) {
        const cell = valueCell(measureJson(doc.predictions[i].result, key), { scope: 'comparison', measure: key, prediction: i, rank: rankOf(key, i) });
        if (best.get(key)!.has(i)) {
          cell.classList.add('best');
          cell.dataset.best = 'true';
          cell.title = `${fullPrecision(measureJson(doc.predictions[i].result, key))} · best ${key}`;
        }
        row.append(cell);
      }
      body.append(row);
    }
    table.append(h('thead', {}, head), body);

    // the per-class table of one loss
    const losses = perClassLosses(doc);
    if (classLoss === null || !losses.includes(classLoss)) classLoss = losses.includes('dice') ? 'dice' : (losses[0] ?? null);
    const controls = clear(part(root, 'class-controls'));
    const classTable = clear(part<HTMLTableElement>(root, 'class-table'));
    if (classLoss === null) {
      controls.append(h('span', { class: 'muted' }, 'No loss with per-class terms in these results.'));
      return;
    }
    const select = h('select', { 'data-part': 'class-loss', 'aria-label': 'Per-class terms of' });
    for (const id of losses) {
      const opt = h('option', { value: id }, `${id} · ${LOSSES[id].name}`);
      if (id === classLoss) opt.selected = true;
      select.append(opt);
    }
    controls.append(h('label', {}, 'Loss', select), h('span', { class: 'muted' }, dirLabel(higherIsBetter(classLoss))));
    const loss = classLoss;
    const classes = [...new Set(doc.predictions.flatMap((p) => p.result.perClass.filter((e) => loss in e).map((e) => e.class)))].sort((a, b) => a - b);
    const binary = doc.predictions[0]?.result.binary ?? false;
    const naming = { classNames, binary };
    classTable.dataset.measure = loss;
    classTable.append(
      h('thead', {}, h('tr', {}, h('th', { class: 'pred' }, 'Prediction'), ...classes.map((c) => h('th', { class: 'num', 'data-class': c }, classLabel(c, naming))))),
    );
    const termOf = (i: number, c: number) => doc.predictions[i].result.perClass.find((e) => e.class === c)?.[loss];
    const classBest = new Map(classes.map((c) => [c, bestOf(doc.predictions.map((_, i) => fromJsonNumber(termOf(i, c))), higherIsBetter(loss))]));
    const classBody = h('tbody');
    for (const i of order) {
      const row = h('tr', { 'data-prediction': i }, nameCell(i));
      for (const c of classes) {
        const v = termOf(i, c);
        const cell = v === undefined ? h('td', { class: 'num muted', 'data-scope': 'comparison-class', 'data-measure': loss, 'data-prediction': i, 'data-class': c }, '—') : valueCell(v, { scope: 'comparison-class', measure: loss, prediction: i, class: c });
        if (classBest.get(c)!.has(i)) {
          cell.classList.add('best');
          cell.dataset.best = 'true';
        }
        row.append(cell);
      }
      classBody.append(row);
    }
    classTable.append(classBody);
  };
});
