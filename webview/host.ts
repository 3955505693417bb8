/**
 * What a surface (the results panel, a side view, a notebook renderer) offers the components it
 * mounts (webview/components/). Every capability but `log` is optional: a component shows the
 * controls that need one only where the surface has it (no slice sliders in a saved notebook,
 * no save buttons where nothing can save).
 */
import type { FolderEmptyRule, ImageFormat, PanelState, WebviewToHost } from '../protocol/messages.js';

/** The UI choices a surface may remember (the panel keeps them with vscode.setState). */
export type UiChoices = NonNullable<PanelState['ui']>;

/** A request a component makes of the extension host: another overlay slice and/or class. */
export type SliceRequest = Extract<WebviewToHost, { type: 'slice' }>;

export interface ViewHost {
  /**
   * Ask the extension host for another overlay (a slice and/or a class); the surface passes the
   * answer back as new props. Absent where nothing answers (a saved notebook).
   */
  request?(message: SliceRequest): void;
  /** Remember UI choices: `choices` is merged into what was remembered. Absent where nothing persists. */
  saveUi?(choices: UiChoices): void;
  /**
   * Save a plot: `dataUrl` resolves to Plotly.toImage's data: URL (or rejects when the image
   * could not be made). Absent where saving is not supported.
   */
  savePlot?(name: string, format: ImageFormat, dataUrl: Promise<string>): void;
  /**
   * Open a pair in the results panel: the prediction at `path` (the absolute path of an entry of
   * the comparison the surface showed) against the comparison's ground truth. Absent where nothing
   * can open files (a saved notebook): no "open" buttons, and clicking a plot point does nothing.
   */
  openPair?(path: string): void;
  /**
   * Open one case of a folder run in the results panel, named by the run's index and the case key
   * (never a path: the host opens only the pairs its own pairing found). Absent where nothing can
   * open files: the rows are then not clickable.
   */
  openCase?(run: number, key: string): void;
  /** Tell the host which empty-class rule the page shows (it exports with that rule). */
  chooseEmptyRule?(rule: FolderEmptyRule): void;
  /** Report a script error (a failed redraw after a control was used, …). */
  log(level: 'error' | 'warn' | 'info', message: string): void;
}

/** What `mount` returns: one instance of a component in its container. */
export interface Mounted<P> {
  /** settles when the first render (the one of the props given to mount) is drawn */
  readonly ready: Promise<void>;
  /** draw new props; settles when drawn */
  update(props: P): Promise<void>;
  /** remove the component from its container: purges its plots, ends its listeners and timers */
  dispose(): void;
}

/** Every component's entry point. */
export type Mount<P> = (container: HTMLElement, props: P, host: ViewHost) => Mounted<P>;
