import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const GOLDEN_DIR = join(import.meta.dirname, '..', 'golden');

export interface GoldenCase {
  name: string;
  pred: string;
  gt: string;
  args: string[];
  expected: Record<string, any>;
  note: string;
}

export function goldenCases(): GoldenCase[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(GOLDEN_DIR, d.name);
      const files = readdirSync(dir);
      const pick = (stem: string) => join(dir, files.find((f) => f.startsWith(`${stem}.`))!);
      const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
      return { name: d.name, pred: pick('pred'), gt: pick('gt'), args: spec.args, expected: spec.expected, note: spec.note };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The golden README's agreement rule. Non-finite values are the strings "Infinity"/"NaN" and match exactly. */
export function agrees(got: unknown, want: unknown): boolean {
  if (typeof want === 'string' || typeof got === 'string') return got === want;
  if (typeof got !== 'number' || typeof want !== 'number') return false;
  return Math.abs(got - want) <= Math.max(1e-4 * Math.max(Math.abs(got), Math.abs(want)), 1e-6);
}

/** Every disagreement between a CLI JSON document and a case's expected values, as readable lines. */
export function compareToExpected(doc: any, expected: any): string[] {
  const problems: string[] = [];
  const check = (where: string, got: unknown, want: unknown) => {
    if (!agrees(got, want)) problems.push(`${where}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  for (const key of ['binary', 'classes'] as const) if (doc[key] !== expected[key]) problems.push(`${key}: got ${doc[key]}, want ${expected[key]}`);
  expected.spacing.forEach((s: number, i: number) => check(`spacing[${i}]`, doc.spacing?.[i], s));
  for (const [id, want] of Object.entries(expected.losses)) {
    if (!(id in doc.losses)) problems.push(`losses.${id} missing`);
    else check(`losses.${id}`, doc.losses[id], want);
  }
  for (const key of Object.keys(doc.losses)) if (!(key in expected.losses)) problems.push(`losses.${key} reported but not requested`);
  for (const entry of expected.perClass) {
    const mine = doc.perClass.find((e: any) => e.class === entry.class);
    if (!mine) { problems.push(`perClass class ${entry.class} missing`); continue; }
    for (const [id, want] of Object.entries(entry)) {
      if (id === 'class') continue;
      if (!(id in mine)) problems.push(`perClass[${entry.class}].${id} missing`);
      else check(`perClass[${entry.class}].${id}`, mine[id], want);
    }
  }
  check('metrics.pixelAccuracy', doc.metrics.pixelAccuracy, expected.metrics.pixelAccuracy);
  for (const entry of expected.metrics.perClass) {
    const mine = doc.metrics.perClass.find((e: any) => e.class === entry.class);
    if (!mine) { problems.push(`metrics.perClass class ${entry.class} missing`); continue; }
    for (const [key, want] of Object.entries(entry)) if (key !== 'class' && key in mine) check(`metrics.perClass[${entry.class}].${key}`, mine[key], want);
  }
  return problems;
}

/** The shared copy this folder was taken from, when it is beside the checkout. */
export function sharedGoldenDir(): string | null {
  const dir = join(import.meta.dirname, '..', '..', '..', 'shared', 'golden');
  return existsSync(dir) ? dir : null;
}
