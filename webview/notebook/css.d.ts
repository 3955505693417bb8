// The notebook renderer is an ESM bundle, where build.mjs loads `.css` imports as text (loader
// 'text'): `import css from './x.css'` is the stylesheet's text, which the renderer injects itself
// (webview/notebook/styles.ts). In the page bundles (IIFE) a `.css` import is a side effect only.
declare module '*.css' {
  const text: string;
  export default text;
}
