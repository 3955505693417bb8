/**
 * The part of VS Code's notebook renderer API (the `vscode-notebook-renderer` types) that
 * SegScope's renderer uses, declared here rather than taken from an npm package. Shapes as VS Code
 * passes them to a renderer's `activate` (`contributes.notebookRenderer`, `requiresMessaging:
 * "optional"`): `postMessage` and `onDidReceiveMessage` are there only when an extension host can
 * answer.
 */

export interface Disposable {
  dispose(): void;
}

/** VS Code's event: subscribe with a listener, unsubscribe with the returned disposable. */
export type RendererEvent<T> = (listener: (e: T) => unknown) => Disposable;

export interface OutputItem {
  /** the output item's id: stable across re-renders of the same output */
  readonly id: string;
  readonly mime: string;
  /** the data parsed as JSON (throws when it is not JSON) */
  json(): unknown;
  /** the data as UTF-8 text */
  text(): string;
}

export interface RendererContext<TState = unknown> {
  getState?(): TState | undefined;
  setState?(state: TState): void;
  /** absent where nothing answers (no extension host, or messaging not offered) */
  postMessage?(message: unknown): void;
  onDidReceiveMessage?: RendererEvent<unknown>;
  readonly workspace?: { readonly isTrusted: boolean };
}

export interface RendererApi {
  renderOutputItem(item: OutputItem, element: HTMLElement, signal?: AbortSignal): void | Promise<void>;
  /** an output was removed (`id`), or every output of the renderer (`id` undefined) */
  disposeOutputItem?(id?: string): void;
}

export type ActivationFunction<TState = unknown> = (context: RendererContext<TState>) => RendererApi | undefined | Promise<RendererApi | undefined>;
