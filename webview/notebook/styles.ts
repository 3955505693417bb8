/**
 * The renderer's stylesheet: the components' CSS (webview/components/components.css) and the
 * renderer's own (notebook.css), as text (the ESM bundle loads `.css` imports as text), in ONE
 * `<style data-segscope>` in the document's head, however many outputs are shown. A notebook's
 * outputs share one document with other renderers, so every rule must apply only inside
 * `.segscope`: the components' `:root` variables are rescoped to `.segscope` before injection.
 * A document-level style rather than one per shadow root: Plotly's own rules go into the
 * document's head, and a plot inside a shadow root would not get them.
 */

/** The components' CSS with its `:root` rules applying to `.segscope` only (no page-wide variables). */
export function scopeToSegscope(css: string): string {
  return css
    .replace(/:root\s*,\s*/g, '') // ":root, .segscope {" → ".segscope {"
    .replace(/:root(?=[\s{,])/g, '.segscope');
}

/** Put the stylesheet into the document once; later calls (further outputs) leave it. Returns the element. */
export function installStyles(doc: Document, ...sheets: string[]): HTMLStyleElement {
  const existing = doc.head.querySelector<HTMLStyleElement>('style[data-segscope]');
  if (existing) return existing;
  const style = doc.createElement('style');
  style.dataset.segscope = 'notebook';
  style.textContent = sheets.map(scopeToSegscope).join('\n');
  doc.head.append(style);
  return style;
}
