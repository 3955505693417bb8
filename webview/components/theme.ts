/**
 * The plots' colours and fonts, read from VS Code's --vscode-* variables as they apply to a
 * component's own element (VS Code sets them on <html>; a surface may set them closer), so two
 * components under different variables each get theirs. The fallbacks are VS Code's Dark / Light
 * Modern values, used outside VS Code (tests).
 */
export interface Theme {
  fg: string;
  bg: string;
  muted: string;
  grid: string;
  font: string;
  fontSize: number;
  series: string[];
  fp: string;
  fn: string;
  pred: string;
  gt: string;
  worst: string;
  inside: string;
  outside: string;
  zero: string;
}

/** Whether the element sits in a light theme (VS Code marks <body> with the theme kind). */
function isLight(el: HTMLElement): boolean {
  return el.closest('.vscode-light, .vscode-high-contrast-light') !== null;
}

export function readTheme(el: HTMLElement): Theme {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  const light = isLight(el);
  const fg = v('--vscode-editor-foreground', light ? '#3b3b3b' : '#cccccc');
  const bg = v('--vscode-editor-background', light ? '#ffffff' : '#1f1f1f');
  const red = v('--vscode-charts-red', light ? '#e51400' : '#f14c4c');
  const blue = v('--vscode-charts-blue', light ? '#1a85ff' : '#3794ff');
  const yellow = v('--vscode-charts-yellow', light ? '#bf8803' : '#cca700');
  const orange = v('--vscode-charts-orange', light ? '#d18616' : '#d18616');
  const green = v('--vscode-charts-green', light ? '#388a34' : '#89d185');
  const purple = v('--vscode-charts-purple', light ? '#652d90' : '#b180d7');
  const fontSize = parseFloat(v('--vscode-font-size', '13px')) || 13;
  return {
    fg,
    bg,
    muted: v('--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    grid: v('--vscode-editorWidget-border', light ? '#e5e5e5' : '#3c3c3c'),
    font: v('--vscode-font-family', 'sans-serif'),
    fontSize,
    series: [blue, orange, green, purple, yellow, red, v('--vscode-terminal-ansiCyan', light ? '#0598bc' : '#11a8cd'), v('--vscode-terminal-ansiMagenta', light ? '#bc05bc' : '#d670d6'), fg],
    fp: orange,
    fn: purple,
    pred: yellow,
    gt: fg,
    worst: red,
    inside: blue,
    outside: red,
    zero: bg,
  };
}
