import type { EvaluationResult } from '../kernels/types.js';

/** The CLI's JSON document: the result with every non-finite number written as "Infinity" / "-Infinity" / "NaN". */
export function toJsonDocument(result: EvaluationResult): unknown {
  return jsonSafe(result);
}

/** Any value with its non-finite numbers written as strings, as the JSON document has them. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

/** Reads numbers back from a JSON document ("Infinity" and "NaN" strings become numbers). */
export function fromJsonNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (value === 'NaN') return NaN;
  throw new TypeError(`not a number: ${String(value)}`);
}
