/**
 * Imported first by every page entry (webview/entries/), never by a component (only a page may
 * patch prototypes): keeps Plotly (and d3 under it) working under a CSP without 'unsafe-inline'.
 * They set inline styles with `setAttribute('style', …)`, which the CSP blocks
 * (style-src-attr); the same declarations assigned through the CSSOM (`element.style.cssText`)
 * are allowed. Only the `style` attribute of HTML and SVG elements is rerouted.
 */
const nativeSetAttribute = Element.prototype.setAttribute;

Element.prototype.setAttribute = function setAttribute(this: Element, name: string, value: string): void {
  if ((this instanceof HTMLElement || this instanceof SVGElement) && name.toLowerCase() === 'style') {
    this.style.cssText = String(value);
    return;
  }
  nativeSetAttribute.call(this, name, value);
};

export {};
