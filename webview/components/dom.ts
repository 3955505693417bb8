/**
 * DOM helpers of the components: an element builder (no innerHTML with data, no inline
 * handlers), the value cell every table uses, class labels. Stateless.
 */
import { fromJsonNumber, type JsonNumber } from '../../protocol/jsonNumber.js';
import { formatValue, fullPrecision } from '../../protocol/format.js';

export type Child = Node | string | null | undefined | false;

/** `h('td', { class: 'num', 'data-id': 'dice' }, 'text', child)`; `false` / `undefined` attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function clear<T extends HTMLElement>(el: T): T {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** The element of a component's own part: `[data-part="name"]` inside its root. */
export function part<T extends HTMLElement = HTMLElement>(root: HTMLElement, name: string): T {
  const el = root.querySelector<T>(`[data-part="${name}"]`);
  if (!el) throw new Error(`component part ${name} is missing`);
  return el;
}

/**
 * A value cell: the display value, the full precision as `data-loss` and title, and the given
 * `data-*` attributes (`{ id: 'dice', scope: 'loss' }` → `data-id`, `data-scope`).
 */
export function valueCell(v: JsonNumber | undefined, data: Record<string, string | number>, digits = 4): HTMLTableCellElement {
  const x = fromJsonNumber(v);
  const cls = ['num', Number.isNaN(x) ? 'nan' : !Number.isFinite(x) ? 'inf' : ''].join(' ').trim();
  const attrs: Record<string, string | number> = { class: cls, 'data-loss': fullPrecision(v) };
  for (const [k, val] of Object.entries(data)) attrs[`data-${k}`] = val;
  const td = h('td', attrs, v === undefined ? '' : formatValue(v, digits));
  td.title = fullPrecision(v);
  return td;
}

/** How classes are named: the host's names, else foreground/background for a binary pair, else "class c". */
export interface ClassNaming {
  /** display name of class c at index c */
  classNames: string[];
  binary: boolean;
}

export function className(c: number, naming: ClassNaming): string {
  if (naming.classNames[c]) return naming.classNames[c];
  if (naming.binary) return c === 1 ? 'foreground' : 'background';
  return `class ${c}`;
}

/** "2 · tumour" */
export function classLabel(c: number, naming: ClassNaming): string {
  return `${c} · ${className(c, naming)}`;
}

/** The root element of a component: `<section class="segscope" data-component="…">` appended to the container. */
export function componentRoot(container: HTMLElement, component: string, title: string): HTMLElement {
  const root = h('section', { class: 'segscope', 'data-component': component, 'aria-label': title }, h('h2', {}, title));
  container.append(root);
  return root;
}
