/**
 * The Loss Comparison side view's page (bundled to dist/webview/comparison.js, loaded by the page
 * of extension/webviewHtml.ts that extension/comparison.ts renders). Its chrome: the ground truth
 * (or a button to set one), Add predictions… / Clear / Cancel, each entry with its status and a
 * remove button, and an explanation while there is nothing to compare; under it the comparison's
 * components: ranks and disagreements (first when the measures disagree), the table, the
 * checkpoints. The host posts the whole ComparisonViewState on every change; messages are
 * validated on arrival, the last state is kept with vscode.setState so a re-created webview shows
 * it at once.
 *
 * For tests: `body[data-rendered="true"]` once a state with a comparison is fully drawn (then
 * `rendered` is posted), "false" while drawing and while there is no comparison;
 * `body[data-view]` = empty | waiting | comparison. The chrome's controls are
 * `button[data-action="pick-target" | "pick-predictions" | "clear" | "cancel" | "remove"]`,
 * entries `li[data-entry][data-path][data-status]`, the explanation `[data-part="empty"]`.
 */
import '../cspShim.js'; // first: before Plotly loads
import type { Mounted, ViewHost } from '../host.js';
import { clear, h } from '../components/dom.js';
import { comparisonProps, mountComparisonTable, type ComparisonProps } from '../components/comparisonTable.js';
import { mountDisagreements } from '../components/disagreements.js';
import { mountCheckpoints } from '../components/checkpoints.js';
import type { ComparisonEntry, ComparisonToHost, ComparisonViewState, HostToComparison } from '../../protocol/messages.js';
import { isHostToComparison } from '../../protocol/validate.js';
import { connectVsCodePage, type VsCodePage } from '../vscodePage.js';
import '../page.css';
import '../comparison.css';

/** What the view keeps with vscode.setState. */
interface Saved {
  state?: ComparisonViewState;
}

function restoreState(raw: unknown): ComparisonViewState | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const state = (raw as Saved).state;
  return isHostToComparison({ type: 'comparison', state }) ? state : undefined;
}

const EMPTY_TEXT =
  'The Loss Comparison ranks several predictions of the same image by every loss and shows where the losses disagree about which one is best. ' +
  'Right-click mask files or a folder in the explorer and choose Add to Loss Comparison (or use Add predictions… above), and set the ground truth they are compared against.';

const STATUS_TEXT: Record<ComparisonEntry['status'], string> = { queued: 'queued', running: 'running…', done: 'done', error: 'error' };

function startComparison(page: VsCodePage<ComparisonToHost, HostToComparison>, root: HTMLElement): void {
  root.classList.add('segscope', 'comparison-view'); // the components' styles (buttons, colours) apply to the chrome too
  const { post, report, markRendered } = page;
  let state: ComparisonViewState | undefined = restoreState(page.getState());
  let generation = 0;

  // -------------------------------------------------------------------------------------------
  // Chrome
  // -------------------------------------------------------------------------------------------

  const action = (name: string, text: string, title: string, cls = 'secondary') => {
    const b = h('button', { type: 'button', class: cls, 'data-action': name, title }, text);
    return b;
  };
  const targetEl = h('div', { class: 'target', 'data-part': 'target' });
  const addButton = action('pick-predictions', 'Add predictions…', 'Choose prediction files to compare against the ground truth', '');
  const clearButton = action('clear', 'Clear', 'Remove every prediction and the ground truth');
  const cancelButton = action('cancel', 'Cancel', 'Stop the evaluations still queued');
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite', 'data-part': 'status' });
  const empty = h('p', { class: 'empty', 'data-part': 'empty', hidden: true }, EMPTY_TEXT);
  const entriesEl = h('ul', { class: 'entries', 'data-part': 'entries', 'aria-label': 'Predictions' });
  const content = h('main', { class: 'content', 'data-part': 'content', hidden: true });
  const slots = {
    disagreements: h('div', { class: 'slot', 'data-slot': 'disagreements' }),
    table: h('div', { class: 'slot', 'data-slot': 'table' }),
    checkpoints: h('div', { class: 'slot', 'data-slot': 'checkpoints' }),
  };
  content.append(slots.table, slots.disagreements, slots.checkpoints);
  root.append(
    h('header', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Loss Comparison' }, targetEl, h('div', { class: 'actions' }, addButton, clearButton, cancelButton)),
    status,
    empty,
    entriesEl,
    content,
  );

  const renderChrome = (s: ComparisonViewState | undefined) => {
    clear(targetEl);
    if (s?.target) {
      targetEl.append(
        h('span', { class: 'role' }, 'Ground truth'),
        h('span', { class: 'file', 'data-role': 'gt', title: s.target.path }, s.target.shown),
        action('pick-target', 'Change…', 'Choose another ground truth'),
      );
    } else {
      targetEl.append(h('span', { class: 'muted' }, 'No ground truth: '), action('pick-target', 'Set…', 'Choose the ground truth the predictions are compared against', ''));
    }
    const entries = s?.entries ?? [];
    clearButton.disabled = entries.length === 0 && !s?.target;
    cancelButton.hidden = !s?.busy;
    empty.hidden = entries.length > 0;

    clear(entriesEl);
    for (const e of entries) {
      const remove = h('button', { type: 'button', class: 'secondary remove', 'data-action': 'remove', 'data-path': e.path, title: `Remove ${e.shown} from the comparison`, 'aria-label': `Remove ${e.shown}` }, '×');
      entriesEl.append(
        h(
          'li',
          { 'data-entry': '', 'data-path': e.path, 'data-status': e.status },
          h('span', { class: 'file', title: e.path }, e.shown),
          h('span', { class: `badge ${e.status}` }, STATUS_TEXT[e.status]),
          remove,
          e.status === 'error' && e.error ? h('div', { class: 'entry-error', 'data-part': 'entry-error' }, e.error) : null,
        ),
      );
    }
    const counts = { queued: 0, running: 0, done: 0, error: 0 };
    for (const e of entries) counts[e.status]++;
    const pending = counts.queued + counts.running;
    status.classList.toggle('busy', Boolean(s?.busy) && pending > 0);
    status.textContent = !entries.length
      ? ''
      : s?.busy && pending
        ? `Evaluating: ${counts.done} of ${entries.length} done${counts.error ? `, ${counts.error} failed` : ''}…`
        : !s?.target
          ? 'Set the ground truth to evaluate these predictions.'
          : `${counts.done} of ${entries.length} evaluated${counts.error ? `, ${counts.error} failed` : ''}.`;
    document.body.dataset.view = s?.comparison ? 'comparison' : entries.length ? 'waiting' : 'empty';
  };

  // -------------------------------------------------------------------------------------------
  // The components
  // -------------------------------------------------------------------------------------------

  const host: ViewHost = {
    openPair(path) {
      post({ type: 'openPair', path });
    },
    log(level, message) {
      post({ type: 'log', level, message });
    },
  };

  let views: { table: Mounted<ComparisonProps>; disagreements: Mounted<ComparisonProps>; checkpoints: Mounted<ComparisonProps> } | undefined;

  const disposeViews = () => {
    if (!views) return;
    views.table.dispose();
    views.disagreements.dispose();
    views.checkpoints.dispose();
    views = undefined;
  };

  /** Ranks and disagreements first when the measures disagree, else after the table. */
  const placeSections = (disagree: boolean) => {
    const want = disagree ? [slots.disagreements, slots.table, slots.checkpoints] : [slots.table, slots.disagreements, slots.checkpoints];
    if (want.every((el, i) => content.children[i] === el)) return;
    content.append(...want);
  };

  const renderAll = async (): Promise<void> => {
    const gen = ++generation;
    const s = state;
    renderChrome(s);
    const props = s ? comparisonProps(s) : null;
    if (!props) {
      markRendered(false);
      disposeViews();
      content.hidden = true;
      return;
    }
    markRendered(false);
    content.hidden = false;
    placeSections(props.comparison.disagreements.length > 0);
    if (views) {
      await Promise.all([views.table.update(props), views.disagreements.update(props), views.checkpoints.update(props)]);
    } else {
      views = {
        disagreements: mountDisagreements(slots.disagreements, props, host),
        table: mountComparisonTable(slots.table, props, host),
        checkpoints: mountCheckpoints(slots.checkpoints, props, host),
      };
      await Promise.all([views.table.ready, views.disagreements.ready, views.checkpoints.ready]);
    }
    if (gen !== generation) return;
    markRendered(true);
    post({ type: 'rendered' });
  };

  // -------------------------------------------------------------------------------------------
  // Messages and controls
  // -------------------------------------------------------------------------------------------

  const onMessage = (msg: HostToComparison) => {
    state = msg.state;
    page.setState({ state } satisfies Saved);
    renderAll().catch(report);
  };

  page.listen(onMessage);

  // the chrome is rebuilt by every state: delegated
  root.addEventListener('click', (e) => {
    const b = (e.target as Element).closest<HTMLButtonElement>('button[data-action]');
    if (!b || b.disabled || b.closest('[data-component]')) return; // the components handle their own buttons
    switch (b.dataset.action) {
      case 'pick-target':
        post({ type: 'pickTarget' });
        break;
      case 'pick-predictions':
        post({ type: 'pickPredictions' });
        break;
      case 'clear':
        post({ type: 'clear' });
        break;
      case 'cancel':
        post({ type: 'cancel' });
        break;
      case 'remove':
        if (b.dataset.path) post({ type: 'remove', path: b.dataset.path });
        break;
    }
  });


  renderAll().catch(report);
  post({ type: 'ready' });
}

startComparison(connectVsCodePage<ComparisonToHost, HostToComparison>('comparison', isHostToComparison), document.getElementById('root') ?? document.body);
