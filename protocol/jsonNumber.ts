/**
 * The one codec of the JSON-number convention (docs/spec/cli.md, JSON document): finite numbers
 * are numbers, the rest the strings "Infinity" / "-Infinity" / "NaN". Used by the CLI's documents,
 * the engine's presenter, the webviews and the tests. Pure ES: no DOM, node or vscode.
 */

/** A number as the CLI's JSON writes it. */
export type JsonNumber = number | 'Infinity' | '-Infinity' | 'NaN';

/** A value's JSON form: every number in it a {@link JsonNumber}. */
export type JsonEncoded<T> = T extends number
  ? JsonNumber
  : T extends string | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? JsonEncoded<U>[]
      : { [K in keyof T]: JsonEncoded<T[K]> };

export function isJsonNumber(x: unknown): x is JsonNumber {
  return (typeof x === 'number' && Number.isFinite(x)) || x === 'Infinity' || x === '-Infinity' || x === 'NaN';
}

/** A JS number in the convention. */
export function toJsonNumber(v: number): JsonNumber {
  if (Number.isFinite(v)) return v;
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return 'NaN';
}

/** A JSON number as a JS number (the strings become ±Infinity / NaN; anything else NaN). */
export function fromJsonNumber(v: JsonNumber | undefined | null): number {
  if (typeof v === 'number') return v;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return NaN;
}

/** A value with every non-finite number written in the convention (typed arrays become arrays). */
export function jsonEncode<T>(value: T): JsonEncoded<T> {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'number' && !Number.isFinite(v) ? toJsonNumber(v) : v)));
}
