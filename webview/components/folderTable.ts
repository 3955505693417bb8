/**
 * The folder panel's case table: one row per case of a prediction folder against the ground-truth
 * folder — its key, every loss and the hard-mask metrics' foreground means, 4 decimals — sortable by
 * any column, worst first by the default loss (Dice, else the first loss; direction from
 * kernels/registry.ts, metrics higher is better); a failed case is a row with its error; a click on a
 * row asks the host to open that case (`ViewHost.openCase(run, key)`: the run's index and the case
 * key, never a path). Above it, the means over the cases under the empty-class rule of a select
 * (engine/aggregate.ts's numbers, sent by the host for every rule), each with how many cases the
 * rule touched, and the rule in the CLI's words.
 *
 * Also the helpers the folder components share (folderDistribution.ts, folderStats.ts): a measure's
 * label, direction and scale, the run names, the sortable case table.
 *
 * Parts and attributes: rows `tr[data-case="<key>"][data-status]`, cells `td[data-measure][data-loss]`
 * (full precision), the error cell `td[data-part="case-error"]`; the table `[data-part="table"]
 * [data-sort][data-sort-dir="worst"|"best"]`, headers `th[data-measure] button[data-sort-key]`;
 * the run select `select[data-part="run"]` (two runs or more), the rule select
 * `select[data-part="empty-rule"]`, means `td[data-scope="mean"][data-measure][data-run][data-touched]`.
 */
import { LOSSES, METRIC_NAMES, isLossId, type LossScale } from '../../kernels/registry.js';
import { fromJsonNumber, type JsonNumber } from '../../protocol/jsonNumber.js';
import { fullPrecision } from '../../protocol/format.js';
import type { FolderCaseView, FolderEmptyRule, FolderMeasure, FolderViewState } from '../../protocol/messages.js';
import { defineComponent } from './component.js';
import { clear, h, part, valueCell } from './dom.js';

// ---------------------------------------------------------------------------------------------
// Shared by the folder components
// ---------------------------------------------------------------------------------------------

/** What each folder component takes: the host's whole state. */
export interface FolderProps {
  state: FolderViewState;
}

export const EMPTY_RULE_NAMES: Readonly<Record<FolderEmptyRule, string>> = {
  skip: 'skip: leave NaN out',
  zero: 'zero: count as 0',
  one: 'one: count as 1',
  worst: 'worst: the worst value',
};
export const FOLDER_RULES = Object.keys(EMPTY_RULE_NAMES) as FolderEmptyRule[];

const metricOf = (m: FolderMeasure) => (m.startsWith('metrics.') ? (m.slice('metrics.'.length) as keyof typeof METRIC_NAMES) : null);

/** Whether a larger value is better: nsd (the registry says so), and every hard-mask metric. */
export function higherBetter(m: FolderMeasure): boolean {
  return metricOf(m) !== null || (isLossId(m) && LOSSES[m].better === 'higher');
}

/** "Dice loss", "Dice (hard mask, foreground mean)". */
export function measureTitle(m: FolderMeasure, perClass = false): string {
  const metric = metricOf(m);
  if (metric) return `${METRIC_NAMES[metric]} (hard mask${perClass ? '' : ', foreground mean'})`;
  return isLossId(m) ? LOSSES[m].name : m;
}

/** The column label: the loss id, or `Dice` / `IoU` … for the hard-mask metrics. */
export function measureLabel(m: FolderMeasure): string {
  const metric = metricOf(m);
  return metric ? `${METRIC_NAMES[metric]}` : m;
}

/** The plot scale: scores in [0, 1] (overlap losses, NSD, the hard-mask metrics), distances, unbounded. */
export function measureScale(m: FolderMeasure): LossScale {
  return isLossId(m) ? LOSSES[m].scale : 'score';
}

/** The default sort of the case tables: Dice, else the first measure (as the CLI's worst cases). */
export function defaultMeasure(measures: readonly FolderMeasure[]): FolderMeasure | null {
  return measures.includes('dice') ? 'dice' : (measures[0] ?? null);
}

const CASE_STATUS_TEXT: Record<FolderCaseView['status'], string> = {
  queued: 'queued',
  running: 'evaluating…',
  done: '',
  error: 'failed',
  cancelled: 'not evaluated (cancelled)',
};

export interface CaseRow {
  key: string;
  status: FolderCaseView['status'];
  error?: string;
  values: Partial<Record<FolderMeasure, JsonNumber>> | undefined;
}

export interface CaseTableOptions {
  rows: CaseRow[];
  measures: FolderMeasure[];
  /** the column sorted by ('' = the case key) and whether worst first */
  sortKey: FolderMeasure | '';
  worstFirst: boolean;
  /** the row attribute naming the case: `data-case` for the main table */
  rowAttr: string;
  /** extra `data-*` of each value cell */
  cellData?: Record<string, string | number>;
  clickable: boolean;
  perClass?: boolean;
}

/**
 * The order of the rows: by the sort column, worst (or best) first, ties and the key column in
 * case-key order; rows without a value of the column (failed, not evaluated, NaN) always last.
 */
export function sortRows(rows: CaseRow[], sortKey: FolderMeasure | '', worstFirst: boolean): CaseRow[] {
  const byKey = (a: CaseRow, b: CaseRow) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  if (sortKey === '') return [...rows].sort((a, b) => (worstFirst ? byKey(a, b) : byKey(b, a)));
  // worse first: a larger loss, a smaller score
  const sign = (higherBetter(sortKey) ? 1 : -1) * (worstFirst ? 1 : -1);
  const valueOf = (r: CaseRow) => fromJsonNumber(r.values?.[sortKey]);
  return [...rows].sort((a, b) => {
    const va = valueOf(a);
    const vb = valueOf(b);
    const na = Number.isNaN(va);
    const nb = Number.isNaN(vb);
    if (na || nb) return na && nb ? byKey(a, b) : na ? 1 : -1;
    return va !== vb ? sign * (va < vb ? -1 : 1) : byKey(a, b);
  });
}

/** Draws a sortable case table into `table` (headers with sort buttons, one row per case). */
export function drawCaseTable(table: HTMLTableElement, o: CaseTableOptions): void {
  clear(table);
  table.dataset.sort = o.sortKey;
  table.dataset.sortDir = o.worstFirst ? 'worst' : 'best';
  const arrow = (key: string) => (key === o.sortKey ? (o.worstFirst ? ' ▾' : ' ▴') : '');
  const ariaSort = (key: string) => (key === o.sortKey ? (o.worstFirst === (key === '' || higherBetter(key as FolderMeasure)) ? 'ascending' : 'descending') : undefined);
  const head = h(
    'tr',
    {},
    h('th', { class: 'case', 'aria-sort': ariaSort('') }, h('button', { type: 'button', class: 'sort', 'data-sort-key': '', title: 'Sort by case key' }, `Case${arrow('')}`)),
  );
  for (const m of o.measures) {
    const higher = higherBetter(m);
    head.append(
      h(
        'th',
        { class: 'num', 'data-measure': m, 'aria-sort': ariaSort(m) },
        h('button', { type: 'button', class: 'sort', 'data-sort-key': m, title: `${measureTitle(m, o.perClass)} (${higher ? 'higher' : 'lower'} is better): sort worst first; again for best first` }, measureLabel(m), higher ? h('span', { class: 'better' }, '↑') : null, arrow(m)),
      ),
    );
  }
  const body = h('tbody');
  for (const r of sortRows(o.rows, o.sortKey, o.worstFirst)) {
    const openable = o.clickable && (r.status === 'done' || r.status === 'error');
    const row = h('tr', { [o.rowAttr]: r.key, 'data-status': r.status, class: openable ? 'clickable' : undefined, title: openable ? `Open ${r.key} in the results panel` : undefined, tabindex: openable ? 0 : undefined });
    row.append(h('th', { scope: 'row', class: 'case' }, r.key));
    if (r.values) {
      for (const m of o.measures) {
        const v = r.values[m];
        row.append(v === undefined ? h('td', { class: 'num muted', 'data-measure': m }, '—') : valueCell(v, { measure: m, ...o.cellData }));
      }
    } else {
      row.append(
        h(
          'td',
          { class: r.status === 'error' ? 'case-error' : 'case-status muted', colspan: Math.max(1, o.measures.length), 'data-part': r.status === 'error' ? 'case-error' : 'case-status' },
          r.status === 'error' ? `failed: ${r.error ?? 'no result'}` : CASE_STATUS_TEXT[r.status],
        ),
      );
    }
    body.append(row);
  }
  table.append(h('thead', {}, head), body);
}

/** Handles a click on a sort button of `root`'s tables: returns the new sort, or null when it was no sort click. */
export function sortClick(target: Element, root: HTMLElement, table: HTMLElement, current: { key: FolderMeasure | ''; worstFirst: boolean }): { key: FolderMeasure | ''; worstFirst: boolean } | null {
  const b = target.closest<HTMLButtonElement>('button[data-sort-key]');
  if (!b || !root.contains(b) || !table.contains(b)) return null;
  const key = (b.dataset.sortKey ?? '') as FolderMeasure | '';
  return key === current.key ? { key, worstFirst: !current.worstFirst } : { key, worstFirst: true };
}

/** A run select (`select[data-part]`), or null with one run. */
export function runSelect(state: FolderViewState, chosen: number, partName: string): HTMLElement | null {
  if (state.runs.length < 2) return null;
  const select = h('select', { 'data-part': partName, 'aria-label': 'Prediction folder' });
  state.runs.forEach((r, i) => {
    const opt = h('option', { value: i }, `${String.fromCharCode(65 + i)} · ${r.name}`);
    if (i === chosen) opt.selected = true;
    select.append(opt);
  });
  return h('label', {}, 'Prediction folder', select);
}

// ---------------------------------------------------------------------------------------------
// The component
// ---------------------------------------------------------------------------------------------

export const mountFolderTable = defineComponent<FolderProps>('folder-table', 'Every case', ({ root, host, signal, redraw }) => {
  root.append(
    h('div', { class: 'controls', 'data-part': 'controls' }),
    h('h3', {}, 'Means over the cases'),
    h('div', { class: 'controls' }, h('label', {}, 'Empty classes', h('select', { 'data-part': 'empty-rule', 'aria-label': 'What a mean does with a value left undefined by an empty class' }))),
    h('p', { class: 'note', 'data-part': 'rule-meaning' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'values folder means', 'data-part': 'means' })),
    h('h3', { 'data-part': 'cases-title' }, 'Cases'),
    h('p', { class: 'note', 'data-part': 'legend' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'values folder cases', 'data-part': 'table' })),
  );
  const ruleSelect = part<HTMLSelectElement>(root, 'empty-rule');
  for (const r of FOLDER_RULES) ruleSelect.append(h('option', { value: r }, EMPTY_RULE_NAMES[r]));

  let sort: { key: FolderMeasure | ''; worstFirst: boolean } | null = null;
  let run = 0;
  /** the rule shown, and the host's rule it was last set from (a new one from the host wins) */
  let rule: FolderEmptyRule | null = null;
  let hostRule: FolderEmptyRule | null = null;

  root.addEventListener(
    'click',
    (e) => {
      const target = e.target as Element;
      const table = part(root, 'table');
      if (sort) {
        const next = sortClick(target, root, table, sort);
        if (next) {
          sort = next;
          redraw();
          return;
        }
      }
      const row = target.closest<HTMLTableRowElement>('tr[data-case].clickable');
      if (row && table.contains(row) && row.dataset.case !== undefined) host.openCase?.(run, row.dataset.case);
    },
    { signal },
  );
  root.addEventListener(
    'keydown',
    (e) => {
      const row = (e.target as Element).closest<HTMLTableRowElement>('tr[data-case].clickable');
      if (row && (e.key === 'Enter' || e.key === ' ') && row.dataset.case !== undefined) {
        e.preventDefault();
        host.openCase?.(run, row.dataset.case);
      }
    },
    { signal },
  );
  root.addEventListener(
    'change',
    (e) => {
      const select = e.target as HTMLSelectElement;
      if (select === ruleSelect && (FOLDER_RULES as string[]).includes(select.value)) {
        rule = select.value as FolderEmptyRule;
        host.chooseEmptyRule?.(rule);
        redraw();
      } else if (select.matches('select[data-part="run"]') && root.contains(select)) {
        run = Number(select.value) || 0;
        redraw();
      }
    },
    { signal },
  );

  return ({ state }) => {
    if (rule === null || hostRule !== state.emptyRule) rule = state.emptyRule;
    hostRule = state.emptyRule;
    if (run >= state.runs.length) run = 0;
    const measures = state.measures;
    const fallback = defaultMeasure(measures);
    if (sort === null || (sort.key !== '' && !measures.includes(sort.key))) sort = { key: fallback ?? '', worstFirst: true };
    const canOpen = host.openCase !== undefined;

    // controls: the prediction folder of the case table
    const controls = clear(part(root, 'controls'));
    const select = runSelect(state, run, 'run');
    if (select) controls.append(select);

    // the means of every run under the rule, with the cases it touched
    ruleSelect.value = rule;
    part(root, 'rule-meaning').textContent = `${state.ruleMeanings[rule]}. Next to each mean: how many cases the rule touched (left out, or counted as its value).`;
    const means = clear(part<HTMLTableElement>(root, 'means'));
    means.dataset.rule = rule;
    means.append(
      h('thead', {}, h('tr', {}, h('th', { class: 'case' }, 'Prediction folder'), ...measures.map((m) => h('th', { class: 'num', 'data-measure': m, title: measureTitle(m) }, measureLabel(m), higherBetter(m) ? h('span', { class: 'better' }, '↑') : null)))),
    );
    const meansBody = h('tbody');
    state.runs.forEach((r, i) => {
      const list = new Map(r.means[rule!].map((m) => [m.measure, m]));
      const tr = h('tr', { 'data-run': i }, h('th', { scope: 'row', class: 'case', title: r.pred }, `${state.runs.length > 1 ? `${String.fromCharCode(65 + i)} · ` : ''}${r.name}`));
      for (const m of measures) {
        const mean = list.get(m);
        if (!mean) {
          tr.append(h('td', { class: 'num muted', 'data-scope': 'mean', 'data-measure': m, 'data-run': i }, '—'));
          continue;
        }
        const cell = valueCell(mean.mean, { scope: 'mean', measure: m, run: i, touched: mean.touched, n: mean.n });
        cell.title = `${fullPrecision(mean.mean)} · mean of ${mean.n} case${mean.n === 1 ? '' : 's'}; the rule touched ${mean.touched}`;
        cell.append(h('span', { class: `touched${mean.touched ? '' : ' none'}`, 'data-part': 'touched' }, String(mean.touched)));
        tr.append(cell);
      }
      meansBody.append(tr);
    });
    means.append(meansBody);

    // the case table of the chosen run
    const r = state.runs[run]!;
    part(root, 'cases-title').textContent = state.runs.length > 1 ? `Cases of ${String.fromCharCode(65 + run)} · ${r.name}` : 'Cases';
    const sortName = sort.key === '' ? 'case key' : measureLabel(sort.key);
    part(root, 'legend').textContent =
      `${r.total} case${r.total === 1 ? '' : 's'}${r.failed ? `, ${r.failed} failed` : ''}; sorted by ${sortName}, ${sort.worstFirst ? 'worst' : 'best'} first (click a column header to sort by it, again to reverse)` +
      `${canOpen ? '. Click a row to open that pair in the results panel.' : '.'} Columns are each case's losses and its hard-mask metrics' foreground means (↑: higher is better).`;
    drawCaseTable(part<HTMLTableElement>(root, 'table'), {
      rows: r.cases.map((c) => ({ key: c.key, status: c.status, error: c.error, values: c.values })),
      measures,
      sortKey: sort.key,
      worstFirst: sort.worstFirst,
      rowAttr: 'data-case',
      cellData: { run },
      clickable: canOpen,
    });
  };
});
