/**
 * The folder panel's page (bundled to dist/webview/folders.js, loaded by the page of
 * extension/webviewHtml.ts that extension/folderPanel.ts renders): a prediction folder (or two)
 * against a ground-truth folder. Its chrome: the folders, Cancel while a run goes, "Compare with
 * another prediction folder…", the exports (CSV as `segscope evaluate --csv`, JSON as summary.json),
 * a status line and the pairing's warnings; under it the components: the case table with the means
 * under the empty rule (folderTable), the distributions (folderDistribution), per class, and the
 * statistics of two runs (folderStats). The host posts the whole FolderViewState (≤ 4 per second while
 * running); messages are validated on arrival.
 *
 * For tests: `body[data-view="folders"]`; `body[data-rendered="true"]` once a complete state (no case
 * queued or running, the host not busy) is drawn, then `rendered` is posted; "false" while drawing and
 * while a run goes. The chrome's controls: `button[data-action="cancel" | "compare-another" | "export"]`
 * (`data-format` csv | json), `select[data-part="export-run"]` with two runs or more, the status
 * `[data-part="status"]`, the warnings `[data-part="warnings"]`.
 */
import '../cspShim.js'; // first: before Plotly loads
import type { Mounted, ViewHost } from '../host.js';
import { clear, h } from '../components/dom.js';
import { mountFolderTable, type FolderProps } from '../components/folderTable.js';
import { mountFolderClasses, mountFolderDistribution } from '../components/folderDistribution.js';
import { mountFolderStats } from '../components/folderStats.js';
import type { FolderExportFormat, FolderToHost, FolderViewState, HostToFolder } from '../../protocol/messages.js';
import { isHostToFolder } from '../../protocol/validate.js';
import { connectVsCodePage, type VsCodePage } from '../vscodePage.js';
import '../page.css';
import '../folders.css';

/** Whether every case of every run is over and the host computes nothing more. */
function complete(s: FolderViewState): boolean {
  return !s.busy && s.runs.every((r) => r.status !== 'running' && r.cases.every((c) => c.status !== 'queued' && c.status !== 'running'));
}

const letter = (i: number) => String.fromCharCode(65 + i);

function startFolders(page: VsCodePage<FolderToHost, HostToFolder>, root: HTMLElement): void {
  root.classList.add('segscope', 'folders-view');
  document.body.dataset.view = 'folders';
  const { post, report, markRendered } = page;
  let state: FolderViewState | undefined;
  let generation = 0;
  let exportRun = 0;

  // -------------------------------------------------------------------------------------------
  // Chrome
  // -------------------------------------------------------------------------------------------

  const action = (name: string, text: string, title: string, cls = 'secondary', extra: Record<string, string> = {}) => h('button', { type: 'button', class: cls, 'data-action': name, title, ...extra }, text);
  const foldersEl = h('div', { class: 'pair', 'data-part': 'folders' });
  const cancelButton = action('cancel', 'Cancel', 'Stop the cases not evaluated yet', 'secondary');
  const compareButton = action('compare-another', 'Compare with another prediction folder…', 'Evaluate a second prediction folder against the same ground truth, then compare the two case by case (B − A, bootstrap CI, Wilcoxon, Holm)', '');
  const exportRunSlot = h('span', { class: 'export-run' });
  const exportButtons = (['csv', 'json'] as FolderExportFormat[]).map((format) =>
    action('export', format.toUpperCase(), format === 'csv' ? 'Save every case as CSV (one row per case × class, as segscope evaluate --csv)' : 'Save summary.json (nnU-Net\'s layout with every loss, as segscope merge writes it) under the empty rule shown', 'secondary', { 'data-format': format }),
  );
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite', 'data-part': 'status' });
  const exported = h('div', { class: 'exported muted', 'data-part': 'exported', 'aria-live': 'polite' });
  const warnings = h('ul', { class: 'warnings', 'data-part': 'warnings' });
  const content = h('main', { class: 'content', 'data-part': 'content', hidden: true });
  const slots = {
    table: h('div', { class: 'slot', 'data-slot': 'table' }),
    stats: h('div', { class: 'slot', 'data-slot': 'stats' }),
    distribution: h('div', { class: 'slot', 'data-slot': 'distribution' }),
    classes: h('div', { class: 'slot', 'data-slot': 'classes' }),
  };
  content.append(slots.table, slots.stats, slots.distribution, slots.classes);
  root.append(
    h(
      'header',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Folder evaluation' },
      foldersEl,
      h('div', { class: 'actions' }, cancelButton, compareButton, h('span', { class: 'sep', 'aria-hidden': 'true' }), h('span', { class: 'muted label' }, 'Export'), exportRunSlot, ...exportButtons),
    ),
    status,
    exported,
    warnings,
    content,
  );
  status.textContent = 'Pairing the folders…';

  const renderChrome = (s: FolderViewState) => {
    clear(foldersEl);
    const preds = h('span', { class: 'file', 'data-role': 'pred' });
    s.runs.forEach((r, i) => {
      if (i) preds.append(', ');
      preds.append(h('span', { title: r.pred, 'data-run': i }, s.runs.length > 1 ? `${letter(i)} · ${r.pred}` : r.pred));
    });
    foldersEl.append(
      h('span', {}, h('span', { class: 'role' }, s.runs.length > 1 ? 'Predictions' : 'Prediction folder'), preds),
      h('span', {}, h('span', { class: 'role' }, 'Ground truth'), h('span', { class: 'file', 'data-role': 'gt' }, s.gt)),
    );
    const running = s.runs.findIndex((r) => r.status === 'running');
    cancelButton.hidden = running < 0;
    compareButton.disabled = s.busy;
    compareButton.textContent = s.runs.length > 1 ? 'Compare with another prediction folder… (replaces B)' : 'Compare with another prediction folder…';
    if (exportRun >= s.runs.length) exportRun = 0;
    clear(exportRunSlot);
    if (s.runs.length > 1) {
      const select = h('select', { 'data-part': 'export-run', 'aria-label': 'Export which prediction folder' });
      s.runs.forEach((r, i) => {
        const opt = h('option', { value: i }, `${letter(i)} · ${r.name}`);
        if (i === exportRun) opt.selected = true;
        select.append(opt);
      });
      exportRunSlot.append(select);
    }
    for (const b of exportButtons) b.disabled = s.runs[exportRun]?.status === 'running';

    const parts = s.runs.map((r, i) => {
      const name = s.runs.length > 1 ? `${letter(i)} · ${r.name}` : r.name;
      const failed = r.failed ? `, ${r.failed} failed` : '';
      if (r.status === 'running') return `Evaluating ${name}: ${r.done} of ${r.total} cases${failed}…`;
      if (r.status === 'cancelled') return `${name}: cancelled after ${r.done} of ${r.total} cases${failed}.`;
      return `${name}: ${r.total} case${r.total === 1 ? '' : 's'} evaluated${failed}${r.backends.length ? ` (backend ${r.backends.join(', ')})` : ''}.`;
    });
    status.textContent = parts.join(' ');
    status.classList.toggle('busy', running >= 0 || s.busy);

    clear(warnings);
    s.runs.forEach((r, i) => {
      for (const w of r.warnings) warnings.append(h('li', {}, s.runs.length > 1 ? `${letter(i)}: ${w}` : w));
    });
  };

  // -------------------------------------------------------------------------------------------
  // The components
  // -------------------------------------------------------------------------------------------

  const host: ViewHost = {
    openCase(run, key) {
      post({ type: 'openCase', run, key });
    },
    chooseEmptyRule(rule) {
      post({ type: 'emptyRule', rule });
    },
    log(level, message) {
      post({ type: 'log', level, message });
    },
  };

  let views: { table: Mounted<FolderProps>; stats: Mounted<FolderProps>; distribution: Mounted<FolderProps>; classes: Mounted<FolderProps> } | undefined;

  const renderAll = async (): Promise<void> => {
    const gen = ++generation;
    const s = state;
    if (!s) return;
    markRendered(false);
    renderChrome(s);
    content.hidden = false;
    const props = { state: s };
    if (views) {
      await Promise.all([views.table.update(props), views.stats.update(props), views.distribution.update(props), views.classes.update(props)]);
    } else {
      views = {
        table: mountFolderTable(slots.table, props, host),
        stats: mountFolderStats(slots.stats, props, host),
        distribution: mountFolderDistribution(slots.distribution, props, host),
        classes: mountFolderClasses(slots.classes, props, host),
      };
      await Promise.all([views.table.ready, views.stats.ready, views.distribution.ready, views.classes.ready]);
    }
    if (gen !== generation) return;
    slots.stats.hidden = s.runs.length < 2 && !s.stats;
    if (complete(s)) {
      markRendered(true);
      post({ type: 'rendered' });
    }
  };

  // -------------------------------------------------------------------------------------------
  // Messages and controls
  // -------------------------------------------------------------------------------------------

  const onMessage = (msg: HostToFolder) => {
    if (msg.type === 'exported') {
      exported.textContent = msg.ok ? `Exported ${msg.format.toUpperCase()} to ${msg.path ?? 'the file'}.` : msg.message === 'cancelled' ? '' : `Export failed: ${msg.message ?? 'unknown error'}`;
      exported.classList.toggle('error', !msg.ok && msg.message !== 'cancelled');
      return;
    }
    state = msg.state;
    renderAll().catch(report);
  };

  page.listen(onMessage);

  root.addEventListener('click', (e) => {
    const b = (e.target as Element).closest<HTMLButtonElement>('button[data-action]');
    if (!b || b.disabled || b.closest('[data-component]')) return; // the components handle their own buttons
    switch (b.dataset.action) {
      case 'cancel':
        post({ type: 'cancel' });
        break;
      case 'compare-another':
        post({ type: 'compareAnother' });
        break;
      case 'export':
        if (b.dataset.format === 'csv' || b.dataset.format === 'json') post({ type: 'export', format: b.dataset.format, run: exportRun });
        break;
    }
  });
  root.addEventListener('change', (e) => {
    const select = e.target as HTMLSelectElement;
    if (select.matches('select[data-part="export-run"]')) exportRun = Number(select.value) || 0;
  });


  markRendered(false);
  post({ type: 'ready' });
}

startFolders(connectVsCodePage<FolderToHost, HostToFolder>('folders', isHostToFolder), document.getElementById('root') ?? document.body);
