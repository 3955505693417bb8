/**
 * Plot helpers of the components: the themed base layout, the config every plot shares, the
 * "Save plot" buttons (only where the host can save) and the placeholder shown instead of a plot.
 * Plots are Plotly SVG/canvas traces (no WebGL).
 */
import Plotly, { type PlotLayout } from 'plotly.js-strict-dist-min';
import type { ImageFormat } from '../../protocol/messages.js';
import type { ViewHost } from '../host.js';
import { clear, h } from './dom.js';
import type { Theme } from './theme.js';

/**
 * Text for Plotly from a file or a user (class names from classes.json, file names): Plotly draws
 * a subset of HTML in labels, legends and hover text (`<a href>`, `<b>`, `<br>`), so the markup
 * characters are written as entities and shown as themselves.
 */
export function plotText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const PLOT_CONFIG = { responsive: true, displayModeBar: false, displaylogo: false, scrollZoom: false };

export function baseLayout(t: Theme, extra: PlotLayout = {}): PlotLayout {
  const axis = { gridcolor: t.grid, zerolinecolor: t.grid, linecolor: t.grid, tickcolor: t.grid, color: t.fg, automargin: true };
  return {
    paper_bgcolor: t.bg,
    plot_bgcolor: t.bg,
    font: { family: t.font, size: t.fontSize - 1, color: t.fg },
    margin: { l: 56, r: 56, t: 36, b: 48 },
    legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom', bgcolor: 'rgba(0,0,0,0)' },
    hoverlabel: { font: { family: t.font } },
    xaxis: { ...axis },
    yaxis: { ...axis },
    ...extra,
  };
}

/** The plot element of a component: `<div class="plot" data-part="plot">`. */
export function plotElement(extraClass = ''): HTMLDivElement {
  return h('div', { class: `plot${extraClass ? ` ${extraClass}` : ''}`, 'data-part': 'plot' });
}

/** Replace a plot by a line of text. */
export function showPlaceholder(el: HTMLElement, text: string): void {
  Plotly.purge(el);
  clear(el).append(h('div', { class: 'placeholder' }, text));
}

/** Remove the placeholder before drawing. */
export function removePlaceholder(el: HTMLElement): void {
  el.querySelector(':scope > .placeholder')?.remove();
}

/**
 * "Save plot  PNG  SVG": buttons `data-save="<plot>:<format>"` that hand Plotly.toImage of the
 * plot to `host.savePlot` under the name `segscope-<plot>`; null where the host cannot save.
 */
export function plotTools(plot: string, el: HTMLElement, host: ViewHost, signal: AbortSignal): HTMLElement | null {
  const save = host.savePlot?.bind(host);
  if (!save) return null;
  const tools = h('div', { class: 'plot-tools', 'data-plot': plot }, h('span', { class: 'muted' }, 'Save plot'));
  for (const format of ['png', 'svg'] as ImageFormat[]) {
    const b = h('button', { type: 'button', class: 'secondary', 'data-save': `${plot}:${format}`, title: `Save this plot as ${format.toUpperCase()}` }, format.toUpperCase());
    b.addEventListener(
      'click',
      () => {
        if (!el.classList.contains('js-plotly-plot')) return;
        const width = Math.max(400, Math.round(el.clientWidth));
        const height = Math.max(300, Math.round(el.clientHeight));
        save(`segscope-${plot}`, format, Plotly.toImage(el, { format, width, height, scale: format === 'png' ? 2 : 1 }));
      },
      { signal },
    );
    tools.append(b);
  }
  return tools;
}
