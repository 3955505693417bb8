/**
 * One notebook output of SegScope's three MIME types (docs/spec/notebook.md), drawn into the
 * element VS Code gives it; webview/entries/notebook.ts is only the `activate` boilerplate
 * around {@link renderOutput}. Every output is independent: its state lives in the closure of
 * one call, it listens only for messages naming its own output id, and `dispose()` ends all of it.
 *
 * - report (`application/vnd.segscope.report+json`): a saved `segscope evaluate --json`
 *   document → the results view (summary, per class; no overlay or curves: a report has none);
 *   a `segscope compare --json` document → the side view's comparison components (disagreements,
 *   the table, checkpoints; no open buttons: nothing to open). No host needed.
 * - masks / files: the payload is checked here first (a problem is shown in words); then, where
 *   an extension host can answer, `evaluate` is posted and the host's answers (progress, result,
 *   overlay, curves, error) are drawn; where none can, or none answers in time, the output says so.
 *
 * For tests: the output's root `[data-segscope-output="<id>"]` carries `data-kind` (report,
 * comparison, masks, files) and `data-state` (invalid, evaluating, no-host, no-answer, drawing,
 * rendered, error).
 */
import type { Mounted, UiChoices, ViewHost } from '../host.js';
import { clear, h } from '../components/dom.js';
import { mountResults, type ResultsProps } from '../components/results.js';
import type { ComparisonJson, EvaluationJson, FilesPayload, HostToRenderer, MasksPayload, NotebookArray, PanelDetails, RendererToHost } from '../../protocol/messages.js';
import { NOTEBOOK_MIME, NOTEBOOK_PAYLOAD_VERSION } from '../../protocol/notebook.js';
import { filesPayloadProblem, isComparisonJson, isEvaluationJson, isHostToRenderer, masksPayloadProblem } from '../../protocol/validate.js';
import { mountCheckpoints } from '../components/checkpoints.js';
import { mountComparisonTable, namePredictions, type ComparisonProps } from '../components/comparisonTable.js';
import { mountDisagreements } from '../components/disagreements.js';

/** The renderer's messaging with the extension host (VS Code's, where it offers it). */
export interface RendererMessaging {
  postMessage(message: RendererToHost): void;
  onDidReceiveMessage(listener: (message: unknown) => void): { dispose(): void };
}

export interface RenderOptions {
  /** the output item's id: every message to and from the host names it */
  id: string;
  /** the output's element (VS Code's); the output draws into a root it appends */
  container: HTMLElement;
  mime: string;
  /** the output's data as JSON (may throw) */
  read(): unknown;
  /** absent where no extension host can answer */
  messaging?: RendererMessaging;
  /** how long to wait for the host's first answer before saying none came (default 20 s) */
  answerTimeoutMs?: number;
  /** where the components' script errors go (default: the console) */
  log?: ViewHost['log'];
}

export interface RenderedOutput {
  dispose(): void;
}

export const ANSWER_TIMEOUT_MS = 20_000;

export const NO_HOST_TEXT = 'This output needs VS Code with the SegScope extension to compute; no extension host answered.';

export const noAnswerText = (ms: number) =>
  `No answer from the SegScope extension host in ${Math.round(ms / 1000)} s. This output needs VS Code with the SegScope extension to compute; if it is installed, run the cell again.`;

/** The details of a saved report: it carries no overlay and no curves (they need the masks). */
export const REPORT_DETAILS: PanelDetails = {
  classNames: [],
  overlay: null,
  overlayError: 'a saved report carries only the numbers; evaluate the masks in VS Code to see where the prediction is wrong.',
  curves: null,
  curvesError: 'a saved report carries only the numbers; evaluate the masks in VS Code to see the curves.',
};

type Kind = 'report' | 'comparison' | 'masks' | 'files';
type State = 'invalid' | 'evaluating' | 'no-host' | 'no-answer' | 'drawing' | 'rendered' | 'error';

const isRec = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const describeArray = (a: NotebookArray) => `${a.dtype} [${a.shape.join(' × ')}]`;

const defaultLog: ViewHost['log'] = (level, message) => {
  const text = `SegScope notebook output: ${message}`;
  if (level === 'error') console.error(text);
  else if (level === 'warn') console.warn(text);
  else console.info(text);
};

export function renderOutput(options: RenderOptions): RenderedOutput {
  const { id, container, mime, messaging } = options;
  const timeoutMs = options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS;
  const log = options.log ?? defaultLog;
  const controller = new AbortController();
  const { signal } = controller;

  // ---------------------------------------------------------------------------------------------
  // The output's parts
  // ---------------------------------------------------------------------------------------------

  const pairEl = h('div', { class: 'pair', 'data-part': 'pair' });
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite', 'data-part': 'status' });
  const notice = h('div', { class: 'notice', role: 'note', 'data-part': 'notice', hidden: true });
  const errorBox = h('div', { class: 'error', role: 'alert', 'data-part': 'error', hidden: true });
  const content = h('div', { 'data-part': 'content' });
  const root = h('div', { class: 'segscope segscope-notebook', 'data-segscope-output': id }, pairEl, status, notice, errorBox, content);
  container.append(root);
  root.dataset.kind = mime === NOTEBOOK_MIME.masks ? 'masks' : mime === NOTEBOOK_MIME.files ? 'files' : 'report';

  const setKind = (kind: Kind) => (root.dataset.kind = kind);
  const setState = (state: State) => (root.dataset.state = state);

  const setStatus = (text: string, busy = false) => {
    status.textContent = text;
    status.classList.toggle('busy', busy && text !== '');
  };
  const showNotice = (text: string | null) => {
    notice.hidden = text === null;
    notice.textContent = text ?? '';
  };
  const showError = (what: string | null, message?: string, file?: string) => {
    clear(errorBox);
    errorBox.hidden = what === null && message === undefined;
    if (errorBox.hidden) return;
    if (what) errorBox.append(h('span', { class: 'what' }, what), ' ');
    if (file) errorBox.append(h('span', { class: 'file' }, file), ': ');
    if (message) errorBox.append(message);
  };
  const showPair = (pred: Node | string, gt: Node | string) => {
    clear(pairEl).append(
      h('span', {}, h('span', { class: 'role' }, 'Prediction'), h('span', { class: 'file', 'data-role': 'pred' }, pred)),
      h('span', {}, h('span', { class: 'role' }, 'Ground truth'), h('span', { class: 'file', 'data-role': 'gt' }, gt)),
    );
  };
  const fail = (what: string, message: string) => {
    setStatus('');
    showError(what, message);
    setState('invalid');
  };
  const report = (error: unknown) => {
    if (signal.aborted) return;
    const message = error instanceof Error ? error.message : String(error);
    log('error', error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : message);
    setStatus('');
    showError('SegScope could not draw this output:', message);
    setState('error');
  };

  // ---------------------------------------------------------------------------------------------
  // The results view (a saved report, or the host's answer)
  // ---------------------------------------------------------------------------------------------

  let view: Mounted<ResultsProps> | undefined;
  let comparisonViews: Mounted<ComparisonProps>[] = [];
  let result: EvaluationJson | undefined;
  let details: PanelDetails | undefined;
  let ui: UiChoices = {};
  let drawGeneration = 0;

  const draw = async (host: ViewHost): Promise<void> => {
    if (!result || !details || signal.aborted) return;
    const gen = ++drawGeneration;
    const props: ResultsProps = { result, details, ui };
    showPair(result.prediction.path, result.target.path);
    if (!view) {
      setState('drawing');
      view = mountResults(content, props, host);
      await view.ready;
    } else await view.update(props);
    if (gen === drawGeneration && !signal.aborted) setState('rendered');
  };

  // ---------------------------------------------------------------------------------------------
  // Reading the output
  // ---------------------------------------------------------------------------------------------

  let value: unknown;
  try {
    value = options.read();
  } catch (e) {
    fail('This output is not valid JSON:', `${e instanceof Error ? e.message : String(e)}.`);
    return { dispose: () => root.remove() };
  }

  let postedEvaluate = false;
  let subscription: { dispose(): void } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const dispose = () => {
    if (signal.aborted) return;
    controller.abort();
    clearTimeout(timer);
    subscription?.dispose();
    view?.dispose();
    for (const v of comparisonViews) v.dispose();
    root.remove();
    if (postedEvaluate && messaging) {
      try {
        messaging.postMessage({ type: 'dispose', output: id });
      } catch {
        // the host is gone: nothing to tell it
      }
    }
  };

  try {
    if (mime === NOTEBOOK_MIME.report) renderReport(value);
    else if (mime === NOTEBOOK_MIME.masks || mime === NOTEBOOK_MIME.files) renderEvaluation(mime === NOTEBOOK_MIME.masks ? 'masks' : 'files', value);
    else fail('SegScope cannot show this output:', `unknown MIME type ${mime}`);
  } catch (e) {
    report(e);
  }
  return { dispose };

  function renderReport(doc: unknown): void {
    if (isRec(doc) && typeof doc.version === 'number' && doc.version > NOTEBOOK_PAYLOAD_VERSION) {
      setKind('report');
      fail('SegScope cannot show this report:', `its version ${doc.version} is newer than this SegScope reads (${NOTEBOOK_PAYLOAD_VERSION}); update the extension.`);
      return;
    }
    if (isEvaluationJson(doc)) {
      setKind('report');
      result = doc;
      details = REPORT_DETAILS;
      draw({ log }).catch(report); // no host: no slice controls, nothing to save
      return;
    }
    if (isComparisonJson(doc)) {
      setKind('comparison');
      setState('drawing');
      const props: ComparisonProps = { comparison: doc as ComparisonJson, predictions: namePredictions(doc as ComparisonJson), classNames: [] };
      const host: ViewHost = { log };
      comparisonViews = [mountDisagreements, mountComparisonTable, mountCheckpoints].map((mount) => mount(content, props, host));
      Promise.all(comparisonViews.map((v) => v.ready))
        .then(() => {
          if (!signal.aborted) setState('rendered');
        })
        .catch(report);
      return;
    }
    setKind('report');
    fail(
      'SegScope cannot show this report:',
      'it is neither a “segscope evaluate --json” document nor a “segscope compare --json” document (a field is missing or of the wrong type).',
    );
  }

  function renderEvaluation(kind: 'masks' | 'files', payload: unknown): void {
    setKind(kind);
    const problem = kind === 'masks' ? masksPayloadProblem(payload) : filesPayloadProblem(payload);
    if (problem) {
      fail(`SegScope cannot evaluate this ${kind} output:`, `${problem}.`);
      return;
    }
    if (kind === 'masks') {
      const p = payload as MasksPayload;
      showPair(describeArray(p.pred), describeArray(p.gt));
    } else {
      const p = payload as FilesPayload;
      showPair(p.pred, p.gt);
    }
    if (!messaging) {
      showNotice(NO_HOST_TEXT);
      setState('no-host');
      return;
    }

    const host: ViewHost = {
      request(message) {
        const slice: Extract<RendererToHost, { type: 'slice' }> = { type: 'slice', output: id, axis: message.axis, index: message.index };
        if (message.class !== undefined) slice.class = message.class;
        post(slice);
        setStatus(`Computing the overlay of ${message.class !== undefined ? `class ${message.class}, ` : ''}slice ${message.index} along axis ${message.axis}…`, true);
      },
      saveUi(choices) {
        ui = { ...ui, ...choices };
      },
      log,
    };
    const post = (message: RendererToHost) => {
      if (signal.aborted) return;
      messaging.postMessage(message);
    };

    const onMessage = (msg: HostToRenderer) => {
      switch (msg.type) {
        case 'progress':
          setStatus(msg.message, true);
          break;
        case 'result':
          result = msg.result;
          details = msg.details;
          ui = { ...ui, slice: undefined, class: undefined };
          setStatus('');
          showError(null);
          draw(host).catch(report);
          break;
        case 'overlay':
          if (!details) break;
          details = { ...details, overlay: msg.overlay, overlayError: msg.error };
          setStatus('');
          draw(host).catch(report);
          break;
        case 'curves':
          if (!details) break;
          details = { ...details, curves: msg.curves, curvesError: msg.error };
          draw(host).catch(report);
          break;
        case 'error':
          setStatus('');
          showError(null, msg.message, msg.file);
          if (!view) setState('error');
          break;
      }
    };

    subscription = messaging.onDidReceiveMessage((raw) => {
      // cheap first: most messages are for other outputs
      if (signal.aborted || !isRec(raw) || raw.output !== id || !isHostToRenderer(raw)) return;
      clearTimeout(timer);
      showNotice(null);
      try {
        onMessage(raw);
      } catch (e) {
        report(e);
      }
    });

    setStatus('Evaluating…', true);
    setState('evaluating');
    if (kind === 'masks') post({ type: 'evaluate', output: id, kind, payload: payload as MasksPayload });
    else post({ type: 'evaluate', output: id, kind, payload: payload as FilesPayload });
    postedEvaluate = true;
    timer = setTimeout(() => {
      if (signal.aborted || result) return;
      setStatus('');
      showNotice(noAnswerText(timeoutMs));
      setState('no-answer');
    }, timeoutMs);
  }
}
