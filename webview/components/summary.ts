/**
 * The summary of a result: one line about the pair, one on why its backend ran, the loss table (value, backend, time), the
 * hard-mask metric table, the warnings, and a teaching card per loss (facts from
 * kernels/registry.ts, text from webview/lossCards.ts). Clicking a loss row opens its card.
 *
 * Cells: `data-loss` (full precision), `data-id`, `data-scope` = loss | metricPerClass |
 * meanForeground | metric | card, and `data-class` per class; rows and cards carry `data-card`.
 */
import { fromJsonNumber } from '../../protocol/jsonNumber.js';
import type { EvaluationJson } from '../../protocol/messages.js';
import { FAMILY_NAMES, LOSS_IDS, LOSSES, METRIC_IDS, METRIC_NAMES } from '../../kernels/registry.js';
import { formatMs, formatValue, fullPrecision } from '../../protocol/format.js';
import { LOSS_CARDS } from '../lossCards.js';
import { defineComponent } from './component.js';
import { classLabel, clear, h, part, valueCell } from './dom.js';

export interface SummaryProps {
  result: EvaluationJson;
  /** display name of class c at index c */
  classNames: string[];
  /** the loss whose card is open (a remembered UI choice) */
  openCard?: string;
}

export const mountSummary = defineComponent<SummaryProps>('summary', 'Summary', ({ root, host, signal }) => {
  root.append(
    h('div', { class: 'meta', 'data-part': 'meta' }),
    h('div', { class: 'meta', 'data-part': 'backend-choice' }),
    h(
      'div',
      { class: 'summary-grid' },
      h('div', { class: 'table-wrap' }, h('table', { class: 'values', 'data-part': 'loss-table' })),
      h('div', { class: 'table-wrap' }, h('table', { class: 'values', 'data-part': 'metric-table' })),
    ),
    h('ul', { class: 'warnings', 'data-part': 'warnings' }),
    h('h3', {}, 'What each loss measures'),
    h('div', { class: 'cards', 'data-part': 'cards' }),
  );
  let openCard: string | undefined;

  const cardOf = (id: string) => root.querySelector<HTMLDetailsElement>(`details.card[data-card="${CSS.escape(id)}"]`);
  const showCard = (id: string) => {
    const card = cardOf(id);
    if (!card) return;
    card.open = true;
    card.scrollIntoView({ behavior: 'smooth', block: 'center' });
    card.classList.remove('flash');
    void card.offsetWidth;
    card.classList.add('flash');
  };

  // delegated: the rows and cards are rebuilt by every render
  root.addEventListener(
    'click',
    (e) => {
      const row = (e.target as Element).closest<HTMLElement>('tr[data-card]');
      if (row && root.contains(row)) showCard(row.dataset.card!);
    },
    { signal },
  );
  root.addEventListener(
    'toggle', // does not bubble: caught on the way down
    (e) => {
      const card = e.target as HTMLDetailsElement;
      if (!(card instanceof HTMLDetailsElement) || !card.matches('details.card[data-card]') || !card.open) return;
      if (card.dataset.card === openCard) return; // opened by a render, from the props
      openCard = card.dataset.card!;
      host.saveUi?.({ card: openCard });
    },
    { signal, capture: true },
  );

  return ({ result: r, classNames, openCard: remembered }) => {
    openCard = remembered ?? openCard;
    const naming = { classNames, binary: r.binary };
    const total = Object.values(r.timingsMs).reduce<number>((a, v) => a + (Number.isFinite(fromJsonNumber(v)) ? fromJsonNumber(v) : 0), 0);
    clear(part(root, 'meta')).append(
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
    clear(part(root, 'backend-choice')).append(r.backendChoice ? `Backend: ${r.backendChoice}` : '');

    const lossTable = clear(part<HTMLTableElement>(root, 'loss-table'));
    lossTable.append(
      h('caption', {}, 'Losses and surface metrics'),
      h('thead', {}, h('tr', {}, h('th', {}, 'Loss'), h('th', { class: 'num' }, 'Value'), h('th', {}, 'Backend'), h('th', { class: 'num', title: 'Time in ms; * marks the time of an engine step that computed several losses at once' }, 'Time (ms)'))),
    );
    const tbody = h('tbody');
    const ids = LOSS_IDS.filter((id) => id in r.losses);
    for (const id of ids) {
      const info = LOSSES[id];
      const own = r.timingsMs[id];
      const step = info.step;
      const shared = own === undefined && r.timingsMs[step] !== undefined;
      const time = own !== undefined ? formatMs(own) : shared ? formatMs(r.timingsMs[step]) : '';
      const row = h(
        'tr',
        { class: 'clickable', 'data-card': id, title: `${info.name}: show its card` },
        h('td', {}, info.name, h('span', { class: 'id' }, id), info.better === 'higher' ? h('span', { class: 'better' }, '↑ better') : null),
        valueCell(r.losses[id], { id, scope: 'loss', 'loss-id': id }),
        h('td', {}, r.backend),
        h('td', shared ? { class: 'num', title: `the engine step '${step}', shared by several losses` } : { class: 'num' }, shared ? `${time}*` : time),
      );
      tbody.append(row);
    }
    lossTable.append(tbody);

    const m = r.metrics;
    const metricTable = clear(part<HTMLTableElement>(root, 'metric-table'));
    metricTable.append(
      h('caption', {}, 'Hard-mask metrics (higher is better)'),
      h('thead', {}, h('tr', {}, ...['Class', ...METRIC_IDS.map((k) => METRIC_NAMES[k]), 'TP', 'FP', 'FN'].map((t, i) => h('th', { class: i ? 'num' : '' }, t)))),
    );
    const mb = h('tbody');
    for (const e of m.perClass) {
      mb.append(
        h(
          'tr',
          { 'data-class': e.class },
          h('td', {}, classLabel(e.class, naming)),
          ...METRIC_IDS.map((k) => valueCell(e[k], { id: k, scope: 'metricPerClass', class: e.class })),
          ...(['tp', 'fp', 'fn'] as const).map((k) => h('td', { class: 'num', 'data-loss': fullPrecision(e[k]), 'data-id': k, 'data-scope': 'metricPerClass', 'data-class': e.class }, String(e[k]))),
        ),
      );
    }
    mb.append(
      h(
        'tr',
        {},
        h('td', {}, h('strong', {}, 'mean foreground')),
        ...METRIC_IDS.map((k) => valueCell(m.meanForeground[k], { id: k, scope: 'meanForeground' })),
        h('td', { colspan: 3 }),
      ),
      h('tr', {}, h('td', {}, h('strong', {}, 'pixel accuracy')), valueCell(m.pixelAccuracy, { id: 'pixelAccuracy', scope: 'metric' }), h('td', { colspan: 6 })),
    );
    metricTable.append(mb);

    const warnings = clear(part(root, 'warnings'));
    for (const w of r.warnings) warnings.append(h('li', {}, w));

    const cards = clear(part(root, 'cards'));
    for (const id of ids) {
      const info = LOSSES[id];
      const c = LOSS_CARDS[id];
      const details = h(
        'details',
        { class: 'card', 'data-card': id },
        h(
          'summary',
          {},
          h(
            'div',
            { class: 'head' },
            h('span', { class: 'name' }, info.name),
            h('span', { class: 'value', 'data-loss': fullPrecision(r.losses[id]), 'data-id': id, 'data-scope': 'card' }, formatValue(r.losses[id])),
          ),
          h('div', { class: 'family' }, `${FAMILY_NAMES[info.family]} · ${id}${info.unit === 'distance' ? ' · in spacing units' : ''} · ${info.better} is better`),
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
      );
      if (openCard === id) details.open = true;
      cards.append(details);
    }
  };
});
