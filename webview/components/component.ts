/**
 * The frame every component shares: its root `<section class="segscope" data-component="…">` in
 * the container, the render sequence (a render that a later one overtook does not write its
 * late results), re-theming (a redraw when VS Code changes the theme), and disposal (listeners
 * registered with the signal end, plots are purged, the root leaves the container). All state lives in the closure of one mount: instances on one page
 * share nothing.
 */
import Plotly from 'plotly.js-strict-dist-min';
import type { Mount, Mounted, ViewHost } from '../host.js';
import { componentRoot } from './dom.js';
import { readTheme, type Theme } from './theme.js';
import './components.css';

export interface RenderContext {
  /** the theme as it applies to the component's root now */
  theme: Theme;
  /** false once a later render started or the component was disposed: stop writing */
  current(): boolean;
}

export interface Setup<P> {
  root: HTMLElement;
  host: ViewHost;
  /** aborted on dispose: pass it to addEventListener, listen to it to clear timers */
  signal: AbortSignal;
  /** draw the last props again, with `change` (a choice made in the component) applied; errors go to host.log */
  redraw(change?: Partial<P>): void;
}

export type Render<P> = (props: P, ctx: RenderContext) => Promise<void> | void;

/** A component's `mount`, from its name, heading and a setup that builds its parts and returns its render. */
export function defineComponent<P>(name: string, title: string, setup: (s: Setup<P>) => Render<P>): Mount<P> {
  return (container: HTMLElement, props: P, host: ViewHost): Mounted<P> => {
    const root = componentRoot(container, name, title);
    const controller = new AbortController();
    const { signal } = controller;
    let last = props;
    let generation = 0;
    const draw = async (p: P): Promise<void> => {
      if (signal.aborted) return;
      last = p;
      const gen = ++generation;
      await render(p, { theme: readTheme(root), current: () => gen === generation && !signal.aborted });
    };
    const report = (error: unknown) => host.log('error', error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error));
    const render = setup({ root, host, signal, redraw: (change) => void draw({ ...last, ...change }).catch(report) });
    // VS Code switches themes by changing the body's classes (webviews and notebook outputs alike): redraw in the new colours
    const retheme = new MutationObserver(() => void draw(last).catch(report));
    retheme.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    signal.addEventListener('abort', () => retheme.disconnect());
    return {
      ready: draw(props),
      update: draw,
      dispose() {
        if (signal.aborted) return;
        controller.abort();
        for (const plot of Array.from(root.querySelectorAll<HTMLElement>('.js-plotly-plot'))) Plotly.purge(plot);
        root.remove();
      },
    };
  };
}
