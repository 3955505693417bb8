/**
 * The results panel page (bundled to dist/webview/panel.js, loaded by the page of
 * extension/webviewHtml.ts). A composition of the components of webview/components/ under the
 * panel's own chrome: the pair header, the swap and copy buttons, a status line and an error box.
 * Talks to the extension host only through protocol/messages.ts messages, validated on arrival,
 * and keeps its state (pair, result, UI choices) with vscode.setState so a re-created webview
 * shows the same without the host.
 *
 * For tests: `body[data-rendered="true"]` once a result is fully drawn (then `rendered` is
 * posted); the components' roots carry `data-component`, their cells `data-loss`, `data-id`,
 * `data-scope` and, per class, `data-class`.
 */
import '../cspShim.js'; // first: before Plotly loads
import type { Mounted, ViewHost } from '../host.js';
import { clear, h } from '../components/dom.js';
import { mountResults, type ResultsProps } from '../components/results.js';
import type { EvaluationJson, ExportFormat, HostToWebview, PairInfo, PanelState, WebviewToHost } from '../../protocol/messages.js';
import { isEvaluationJson, isHostToWebview, isPanelDetails } from '../../protocol/validate.js';
import { connectVsCodePage, type VsCodePage } from '../vscodePage.js';
import '../page.css';
import '../panel.css';

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

/** Whether a result belongs to the pair shown (paths as displayed end with the result's file names). */
function samePair(r: EvaluationJson, pair: PairInfo | undefined): boolean {
  if (!pair) return true;
  const base = (p: string) => p.split(/[\\/]/).pop() ?? p;
  return base(r.prediction.path) === base(pair.pred) && base(r.target.path) === base(pair.gt);
}

function startPanel(page: VsCodePage<WebviewToHost, HostToWebview>, root: HTMLElement): void {
  root.classList.add('segscope'); // the components' styles (buttons, colours) apply to the chrome too
  const { post, report, markRendered } = page;
  let state: PanelState = restoreState(page.getState());
  let busy = false;
  let renderGeneration = 0;
  let views: Mounted<ResultsProps> | undefined;

  const saveState = () => {
    try {
      page.setState(state);
    } catch {
      // a very large overlay: keep the rest
      page.setState({ ...state, details: state.details ? { ...state.details, overlay: null, curves: null } : undefined });
    }
  };

  // -------------------------------------------------------------------------------------------
  // Chrome
  // -------------------------------------------------------------------------------------------

  const pairEl = h('div', { class: 'pair', id: 'pair', 'aria-live': 'polite' });
  const swap = h('button', { type: 'button', id: 'swap', class: 'secondary', disabled: true, title: 'Swap prediction and ground truth and evaluate again' }, '⇄ Swap prediction / ground truth');
  const addToComparison = h('button', { type: 'button', id: 'add-to-comparison', class: 'secondary', disabled: true, title: 'Add this prediction to the side panel\'s Loss Comparison, against this ground truth' }, '+ Add to comparison');
  const copyButtons = (['json', 'csv', 'markdown'] as ExportFormat[]).map((format) =>
    h('button', { type: 'button', class: 'secondary', 'data-copy': format }, format === 'markdown' ? 'Markdown' : format.toUpperCase()),
  );
  const status = h('div', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
  const errorBox = h('div', { id: 'error', class: 'error', role: 'alert', hidden: true });
  const content = h('main', { id: 'content', hidden: true });
  root.append(
    h(
      'header',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Results' },
      pairEl,
      h('div', { class: 'actions' }, swap, addToComparison, h('span', { class: 'sep', 'aria-hidden': 'true' }), h('span', { class: 'muted label' }, 'Copy results'), ...copyButtons),
    ),
    status,
    errorBox,
    content,
  );

  const renderPair = (pair: PairInfo | undefined) => {
    clear(pairEl);
    if (!pair) {
      pairEl.append(h('span', { class: 'muted' }, 'Waiting for an evaluation…'));
    } else {
      pairEl.append(
        h('span', {}, h('span', { class: 'role' }, 'Prediction'), h('span', { class: 'file', 'data-role': 'pred' }, pair.pred)),
        h('span', {}, h('span', { class: 'role' }, 'Ground truth'), h('span', { class: 'file', 'data-role': 'gt' }, pair.gt)),
      );
    }
    swap.disabled = !pair?.swappable || busy;
    swap.title = pair?.swappable
      ? 'Swap prediction and ground truth and evaluate again'
      : 'Swapping needs two label maps (a probability map cannot be a ground truth)';
  };

  const setStatus = (text: string, isBusy = false) => {
    status.textContent = text;
    status.classList.toggle('busy', isBusy);
  };

  const showError = (message: string | null, file?: string) => {
    clear(errorBox);
    if (message === null) {
      errorBox.hidden = true;
      return;
    }
    errorBox.hidden = false;
    if (file) errorBox.append(h('span', { class: 'file' }, file), ': ');
    errorBox.append(message);
    window.scrollTo({ top: 0 }); // the error sits under the toolbar: make sure it is seen
  };

  const setCopyEnabled = (on: boolean) => {
    addToComparison.disabled = !on;
    for (const b of copyButtons) b.disabled = !on;
    for (const b of Array.from(content.querySelectorAll<HTMLButtonElement>('.plot-tools button'))) b.disabled = !on;
  };

  // -------------------------------------------------------------------------------------------
  // The components
  // -------------------------------------------------------------------------------------------

  const host: ViewHost = {
    request(message) {
      post(message);
      setStatus(`Computing the overlay of slice ${message.index} along axis ${message.axis}…`, true);
    },
    saveUi(choices) {
      state.ui = { ...state.ui, ...choices };
      saveState();
    },
    savePlot(name, format, dataUrl) {
      setStatus(`Rendering ${format.toUpperCase()}…`, true);
      dataUrl
        .then((url) => post({ type: 'savePlot', name, format, dataUrl: url }))
        .catch((e: unknown) => {
          setStatus('');
          report(e);
        });
    },
    log(level, message) {
      post({ type: 'log', level, message });
    },
  };

  /** Draw the results view (mounting it into the content at the first result); only changed parts redraw. */
  const drawViews = async (props: ResultsProps): Promise<void> => {
    if (views) return views.update(props);
    views = mountResults(content, props, host);
    await views.ready;
  };

  const renderAll = async (): Promise<void> => {
    const gen = ++renderGeneration;
    const r = state.result;
    const d = state.details;
    renderPair(state.pair);
    if (!r || !d) {
      content.hidden = true;
      setCopyEnabled(false);
      return;
    }
    markRendered(false);
    content.hidden = false;
    setCopyEnabled(true);
    await drawViews({ result: r, details: d, ui: state.ui });
    if (gen !== renderGeneration) return;
    markRendered(true);
    post({ type: 'rendered' });
  };

  /** Redraw after a message changed a part of the details (only that part's props differ). */
  const redraw = async (): Promise<void> => {
    const r = state.result;
    const d = state.details;
    if (!r || !d) return;
    if (!views) return renderAll();
    await views.update({ result: r, details: d, ui: state.ui });
  };

  // -------------------------------------------------------------------------------------------
  // Messages from the host
  // -------------------------------------------------------------------------------------------

  const onMessage = (msg: HostToWebview) => {
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
        redraw().catch(report);
        break;
      case 'curves':
        if (!state.details) break;
        state.details = { ...state.details, curves: msg.curves, curvesError: msg.error };
        saveState();
        redraw().catch(report);
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
  };

  page.listen(onMessage);

  // -------------------------------------------------------------------------------------------
  // Controls
  // -------------------------------------------------------------------------------------------

  swap.addEventListener('click', () => {
    busy = true;
    renderPair(state.pair);
    markRendered(false);
    setStatus('Swapping prediction and ground truth…', true);
    post({ type: 'swap' });
  });

  addToComparison.addEventListener('click', () => {
    post({ type: 'addToComparison' });
    setStatus('Added to the Loss Comparison.');
  });

  for (const b of copyButtons) {
    b.addEventListener('click', () => {
      if (state.result) post({ type: 'copy', format: b.dataset.copy as ExportFormat });
    });
  }


  setCopyEnabled(false);
  renderAll().catch(report);
  post({ type: 'ready' });
}

startPanel(connectVsCodePage<WebviewToHost, HostToWebview>('panel', isHostToWebview), document.getElementById('root') ?? document.body);
