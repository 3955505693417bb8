/**
 * The VS Code side of a page entry (webview/entries/): the one place that acquires the webview
 * API, validates every message from the extension host on arrival (an invalid one is logged to the
 * host and dropped, never handled), and reports script errors to the host's log. The notebook
 * renderer has no such API: it composes the components with its own transport (webview/notebook/).
 */
import type { LogMessage } from '../protocol/messages.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface VsCodePage<ToHost, FromHost> {
  post(message: ToHost): void;
  /** report an error of the page's own code to the host's log */
  report(error: unknown): void;
  /** what the page kept with `setState` (unvalidated: the page checks it) */
  getState(): unknown;
  setState(state: unknown): void;
  /** `body[data-rendered]`, which the tests wait on */
  markRendered(on: boolean): void;
  /** handle each valid message from the host; an error of the handler is reported */
  listen(handle: (message: FromHost) => void): void;
}

export function connectVsCodePage<ToHost extends { type: string }, FromHost>(name: string, isFromHost: (raw: unknown) => raw is FromHost): VsCodePage<ToHost, FromHost> {
  const api = acquireVsCodeApi();
  const log = (message: LogMessage) => api.postMessage(message);
  const report = (error: unknown) => log({ type: 'log', level: 'error', message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
  window.addEventListener('error', (e) => log({ type: 'log', level: 'error', message: `${e.message} (${e.filename}:${e.lineno})` }));
  window.addEventListener('unhandledrejection', (e) => report(e.reason));
  return {
    post: (message) => api.postMessage(message),
    report,
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
    markRendered: (on) => {
      document.body.dataset.rendered = on ? 'true' : 'false';
    },
    listen(handle) {
      window.addEventListener('message', (event: MessageEvent) => {
        const raw: unknown = event.data;
        if (!isFromHost(raw)) {
          const type = typeof raw === 'object' && raw !== null && 'type' in raw ? String((raw as { type: unknown }).type) : typeof raw;
          log({ type: 'log', level: 'warn', message: `${name}: ignored an invalid message (${type})` });
          return;
        }
        try {
          handle(raw);
        } catch (e) {
          report(e);
        }
      });
    },
  };
}
