/**
 * SegScope's notebook renderer (bundled as an ES module to dist/webview/notebook.js, declared in
 * package.json's `contributes.notebookRenderer` with `requiresMessaging: "optional"`). Only the
 * `activate` boilerplate: each output item is drawn by webview/notebook/render.ts, and disposed
 * when VS Code removes it or renders the same item again.
 *
 * A renderer runs in the notebook's SHARED output iframe: it patches no global prototype (no
 * cspShim here) and styles only what is inside `.segscope` (one `<style data-segscope>` in the
 * head, installed at the first output).
 */
import componentsCss from '../components/components.css';
import notebookCss from '../notebook/notebook.css';
import type { ActivationFunction, RendererContext } from '../notebook/rendererApi.js';
import { renderOutput, type RenderedOutput, type RendererMessaging } from '../notebook/render.js';
import { installStyles } from '../notebook/styles.js';

/** VS Code's messaging, where it offers both directions (an extension host to answer). */
function messagingOf(context: RendererContext): RendererMessaging | undefined {
  if (typeof context.postMessage !== 'function' || typeof context.onDidReceiveMessage !== 'function') return undefined;
  return {
    postMessage: (message) => context.postMessage!(message),
    onDidReceiveMessage: (listener) => context.onDidReceiveMessage!(listener),
  };
}

export const activate: ActivationFunction = (context) => {
  const messaging = messagingOf(context);
  /** the outputs drawn, by output item id */
  const outputs = new Map<string, RenderedOutput>();
  const disposeOne = (id: string) => {
    const output = outputs.get(id);
    outputs.delete(id);
    output?.dispose();
  };
  return {
    renderOutputItem(item, element) {
      disposeOne(item.id); // a re-render of the same output: the old one goes first
      installStyles(element.ownerDocument, componentsCss, notebookCss);
      element.replaceChildren();
      outputs.set(item.id, renderOutput({ id: item.id, container: element, mime: item.mime, read: () => item.json(), messaging }));
    },
    disposeOutputItem(id) {
      if (id === undefined) for (const key of Array.from(outputs.keys())) disposeOne(key);
      else disposeOne(id);
    },
  };
};
