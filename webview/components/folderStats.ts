/**
 * The folder panel's statistics of two prediction folders against one ground truth: per loss and
 * hard-mask metric the paired difference B − A over the cases both runs evaluated, its bootstrap
 * 95% confidence interval, the two-sided Wilcoxon signed-rank p-value and Holm's correction across
 * the measures — engine/stats.ts's numbers, as `segscope stats A.jsonl B.jsonl` prints them (the
 * same columns and notes). With one run, a line says how to get them.
 *
 * Parts: `[data-part="stats-table"]` rows `tr[data-measure]`, cells
 * `td[data-stat="n"|"meanA"|"meanB"|"diff"|"ciLow"|"ciHigh"|"p"|"pHolm"][data-measure]` (`data-loss`
 * full precision); a significant difference (Holm's p < 0.05) has `data-verdict="B better"|"B worse"`
 * on its row; `[data-part="stats-note"]`.
 */
import { fromJsonNumber, type JsonNumber } from '../../protocol/jsonNumber.js';
import { formatValue, fullPrecision } from '../../protocol/format.js';
import { defineComponent } from './component.js';
import { clear, h, part, valueCell } from './dom.js';
import { measureLabel, measureTitle, type FolderProps } from './folderTable.js';

/** The p-value as `segscope stats` prints it: 4 decimals, scientific below 1e-4. */
export function formatP(v: JsonNumber | null): string {
  if (v === null) return 'n/a';
  const x = fromJsonNumber(v);
  if (!Number.isFinite(x)) return formatValue(v);
  return x < 1e-4 ? x.toExponential(2) : x.toFixed(4);
}

export const mountFolderStats = defineComponent<FolderProps>('folder-stats', 'B − A: paired statistics', ({ root }) => {
  root.append(
    h('p', { class: 'note', 'data-part': 'stats-head' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'values folder stats', 'data-part': 'stats-table' })),
    h('ul', { class: 'notes', 'data-part': 'stats-note' }),
  );

  return ({ state }) => {
    const head = part(root, 'stats-head');
    const table = clear(part<HTMLTableElement>(root, 'stats-table'));
    const notes = clear(part(root, 'stats-note'));
    const s = state.stats;
    root.dataset.state = s ? 'stats' : state.runs.length > 1 ? 'waiting' : 'none';
    if (!s) {
      head.textContent =
        state.runs.length > 1
          ? 'The statistics follow once both prediction folders are evaluated.'
          : 'Compare with another prediction folder (the button above) to get, per loss, the paired difference B − A with its bootstrap 95% CI, the Wilcoxon signed-rank p and Holm\'s correction — as `segscope stats` prints them.';
      return;
    }
    const a = state.runs[s.a]!;
    const b = state.runs[s.b]!;
    head.textContent = `B = ${b.name} against A = ${a.name}: ${s.cases} case${s.cases === 1 ? '' : 's'} with a result in both; bootstrap ${s.bootstrap} resamples, seed ${s.seed}.`;
    table.append(
      h(
        'thead',
        {},
        h('tr', {}, ...['measure', 'better', 'n', 'mean A', 'mean B', 'B − A', '95% CI', 'p Wilcoxon', 'p Holm'].map((t, i) => h('th', { class: i < 2 ? '' : 'num' }, t))),
      ),
    );
    const body = h('tbody');
    for (const r of s.rows) {
      const diff = fromJsonNumber(r.meanDiff);
      const holm = r.pHolm === null ? NaN : fromJsonNumber(r.pHolm);
      const significant = holm < 0.05 && diff !== 0 && Number.isFinite(diff);
      const bBetter = r.better === 'lower' ? diff < 0 : diff > 0;
      const verdict = significant ? (bBetter ? 'B better' : 'B worse') : undefined;
      const row = h('tr', { 'data-measure': r.measure, 'data-verdict': verdict, class: verdict ? (bBetter ? 'b-better' : 'b-worse') : undefined });
      row.append(
        h('th', { scope: 'row', title: measureTitle(r.measure) }, measureLabel(r.measure), r.measure.startsWith('metrics.') ? h('span', { class: 'id' }, r.measure) : null),
        h('td', { class: 'muted' }, r.better),
        h('td', { class: 'num', 'data-stat': 'n', 'data-measure': r.measure }, String(r.n)),
        valueCell(r.meanA, { stat: 'meanA', measure: r.measure }),
        valueCell(r.meanB, { stat: 'meanB', measure: r.measure }),
      );
      const d = valueCell(r.meanDiff, { stat: 'diff', measure: r.measure });
      if (verdict) d.append(h('span', { class: 'verdict' }, verdict));
      row.append(d);
      const ci = h('td', { class: 'num', 'data-stat': 'ci', 'data-measure': r.measure });
      if (r.ci95) {
        ci.dataset.ciLow = fullPrecision(r.ci95[0]);
        ci.dataset.ciHigh = fullPrecision(r.ci95[1]);
        ci.textContent = `[${formatValue(r.ci95[0])}, ${formatValue(r.ci95[1])}]`;
      }
      row.append(ci);
      for (const [stat, v] of [['p', r.pWilcoxon], ['pHolm', r.pHolm]] as const) {
        const td = h('td', { class: 'num', 'data-stat': stat, 'data-measure': r.measure, 'data-loss': v === null ? undefined : fullPrecision(v), title: r.pNote ? `no p-value: ${r.pNote}` : v === null ? undefined : fullPrecision(v) }, r.pNote ? 'n/a' : formatP(v));
        row.append(td);
      }
      body.append(row);
      if (r.pNote) notes.append(h('li', {}, `${r.measure}: no p-value: ${r.pNote}`));
      if (r.notFinite) notes.append(h('li', {}, `${r.measure}: ${r.notFinite} case${r.notFinite === 1 ? '' : 's'} left out (a value not finite in A or B)`));
    }
    table.append(body);
    notes.prepend(
      h('li', {}, 'Wilcoxon signed-rank, two-sided (exact up to 25 non-zero differences, else normal with tie correction; zeros dropped); Holm across the measures above. B better / B worse: Holm\'s p < 0.05, in the measure\'s direction.'),
      h('li', {}, 'Empty classes: a case where a measure is not finite in either run (NaN, or +∞ for a distance to an empty mask) is left out of that measure (n counts the rest).'),
    );
    if (s.onlyInA) notes.append(h('li', {}, `${s.onlyInA} case${s.onlyInA === 1 ? '' : 's'} only in A (absent or failed in B)`));
    if (s.onlyInB) notes.append(h('li', {}, `${s.onlyInB} case${s.onlyInB === 1 ? '' : 's'} only in B (absent or failed in A)`));
  };
});
