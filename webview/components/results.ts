/**
 * The results view: summary and loss cards, per-class breakdown, boundary-distance overlay and
 * loss curves of one evaluation, composed from the four components. Every surface that shows a
 * result (the results panel, a notebook output) mounts this; each part redraws only when its own
 * props change.
 */
import type { Mount, Mounted, UiChoices } from '../host.js';
import type { EvaluationJson, PanelDetails } from '../../protocol/messages.js';
import { mountCurves, type CurvesProps } from './curves.js';
import { mountOverlay, type OverlayProps } from './overlay.js';
import { mountPerClass, type PerClassProps } from './perClass.js';
import { mountSummary, type SummaryProps } from './summary.js';

export interface ResultsProps {
  result: EvaluationJson;
  details: PanelDetails;
  /** UI choices to start from (open card, curve class, the slice last asked for) */
  ui?: UiChoices;
}

const summaryProps = ({ result, details, ui }: ResultsProps): SummaryProps => ({ result, classNames: details.classNames, openCard: ui?.card });
const perClassProps = ({ result, details }: ResultsProps): PerClassProps => ({ result, classNames: details.classNames });
const overlayProps = ({ result, details, ui }: ResultsProps): OverlayProps => ({
  classNames: details.classNames, binary: result.binary, overlay: details.overlay, error: details.overlayError, slice: ui?.slice,
});
const curvesProps = ({ result, details, ui }: ResultsProps): CurvesProps => ({
  classNames: details.classNames, binary: result.binary, curves: details.curves, error: details.curvesError, curveSet: ui?.curveSet,
});

/** Whether two props objects hold the same values, field by field (by identity). */
function sameProps(a: object, b: object): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k]);
}

interface Part<P> {
  mounted: Mounted<P>;
  props: P;
  of: (p: ResultsProps) => P;
}

export const mountResults: Mount<ResultsProps> = (container, props, host) => {
  const part = <P extends object>(mount: Mount<P>, of: (p: ResultsProps) => P): Part<P> => ({ mounted: mount(container, of(props), host), props: of(props), of });
  const parts = [part(mountSummary, summaryProps), part(mountPerClass, perClassProps), part(mountOverlay, overlayProps), part(mountCurves, curvesProps)] as Part<object>[];
  return {
    ready: Promise.all(parts.map((p) => p.mounted.ready)).then(() => undefined),
    async update(next) {
      await Promise.all(
        parts.map((p) => {
          const props = p.of(next);
          if (sameProps(props, p.props)) return undefined;
          p.props = props;
          return p.mounted.update(props);
        }),
      );
    },
    dispose() {
      for (const p of parts) p.mounted.dispose();
    },
  };
};
