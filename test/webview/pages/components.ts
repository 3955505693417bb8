/// <reference path="../../../webview/plotly.d.ts" />
/**
 * A test-only page entry (bundled by test/webview/panel.test.ts with esbuild, loaded in the
 * production page shell): mounts any number of components, each into its own container with
 * its own recording host, so the test can check that instances on one page do not interfere.
 * Driven from the test through `window.__components`.
 */
import '../../../webview/cspShim.js'; // first: before Plotly loads
import type { Mount, Mounted, ViewHost } from '../../../webview/host.js';
import { mountCurves } from '../../../webview/components/curves.js';
import { mountOverlay } from '../../../webview/components/overlay.js';
import { mountPerClass } from '../../../webview/components/perClass.js';
import { mountSummary } from '../../../webview/components/summary.js';

const MOUNTS: Record<string, Mount<never>> = {
  summary: mountSummary as Mount<never>,
  'per-class': mountPerClass as Mount<never>,
  overlay: mountOverlay as Mount<never>,
  curves: mountCurves as Mount<never>,
};

export interface Recorded {
  requests: unknown[];
  ui: unknown[];
  plots: { name: string; format: string; dataUrl: string }[];
  logs: { level: string; message: string }[];
}

export interface MountOptions {
  /** the host's optional capabilities (log is always there) */
  caps: ('request' | 'saveUi' | 'savePlot')[];
  /** --vscode-* variables set on the container */
  vars?: Record<string, string>;
  /** mark the container as a light theme */
  light?: boolean;
}

const views = new Map<string, { view: Mounted<never>; container: HTMLElement; recorded: Recorded }>();

function recordingHost(recorded: Recorded, caps: MountOptions['caps']): ViewHost {
  const host: ViewHost = { log: (level, message) => void recorded.logs.push({ level, message }) };
  if (caps.includes('request')) host.request = (m) => void recorded.requests.push(JSON.parse(JSON.stringify(m)));
  if (caps.includes('saveUi')) host.saveUi = (ui) => void recorded.ui.push(JSON.parse(JSON.stringify(ui)));
  if (caps.includes('savePlot')) {
    host.savePlot = (name, format, dataUrl) =>
      void dataUrl.then(
        (url) => recorded.plots.push({ name, format, dataUrl: url }),
        (e: unknown) => recorded.logs.push({ level: 'error', message: String(e) }),
      );
  }
  return host;
}

const api = {
  async mount(key: string, kind: string, props: unknown, options: MountOptions): Promise<void> {
    const container = document.createElement('div');
    container.dataset.instance = key;
    if (options.light) container.classList.add('vscode-light');
    for (const [k, v] of Object.entries(options.vars ?? {})) container.style.setProperty(k, v);
    container.style.background = 'var(--vscode-editor-background)'; // through the CSSOM: the CSP allows it
    container.style.padding = '0 12px 12px';
    document.getElementById('root')!.append(container);
    const recorded: Recorded = { requests: [], ui: [], plots: [], logs: [] };
    const view = MOUNTS[kind](container, props as never, recordingHost(recorded, options.caps));
    views.set(key, { view, container, recorded });
    await view.ready;
  },
  update: (key: string, props: unknown): Promise<void> => views.get(key)!.view.update(props as never),
  dispose(key: string): void {
    views.get(key)!.view.dispose();
  },
  recorded: (key: string): Recorded => views.get(key)!.recorded,
};

(window as unknown as { __components: typeof api }).__components = api;
document.body.dataset.ready = 'true';
