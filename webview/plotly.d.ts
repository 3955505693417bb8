// The few Plotly entry points the components use (plotly.js-strict-dist-min ships no types).
declare module 'plotly.js-strict-dist-min' {
  export type PlotData = Record<string, unknown>;
  export type PlotLayout = Record<string, unknown>;
  export type PlotConfig = Record<string, unknown>;
  export interface ToImageOptions {
    format: 'png' | 'svg' | 'jpeg' | 'webp';
    width?: number;
    height?: number;
    scale?: number;
  }
  const Plotly: {
    react(el: HTMLElement, data: PlotData[], layout?: PlotLayout, config?: PlotConfig): Promise<HTMLElement>;
    newPlot(el: HTMLElement, data: PlotData[], layout?: PlotLayout, config?: PlotConfig): Promise<HTMLElement>;
    purge(el: HTMLElement): void;
    toImage(el: HTMLElement, options: ToImageOptions): Promise<string>;
    Plots: { resize(el: HTMLElement): Promise<void> | void };
  };
  export default Plotly;
}
