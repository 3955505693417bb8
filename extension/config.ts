/**
 * Reads the `segscope.*` settings (resource-scoped: a folder's settings apply to its masks) and
 * the `classes.json` beside the masks. The mapping itself is pure (extension/settings.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { resolveClassNames, settingsToOptions, SETTING_DEFAULTS, type SegscopeSettings, type SettingsResult } from './settings.js';

export function readSettings(scope?: vscode.Uri): SegscopeSettings {
  const config = vscode.workspace.getConfiguration('segscope', scope);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SETTING_DEFAULTS)) out[key] = config.get(key);
  return out as SegscopeSettings;
}

export function readEvaluateOptions(scope?: vscode.Uri): SettingsResult {
  return settingsToOptions(readSettings(scope));
}

/** The classes.json that applies to a pair: beside the ground truth, beside the prediction, or one folder up. */
export function findClassesJson(pred: string, gt: string): string | undefined {
  const dirs = [dirname(gt), dirname(pred), dirname(dirname(gt)), dirname(dirname(pred))];
  for (const d of [...new Set(dirs)]) {
    const p = join(d, 'classes.json');
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function readClassNames(classes: number, binary: boolean, pred: string, gt: string): { names: string[]; problems: string[] } {
  const setting = vscode.workspace.getConfiguration('segscope', vscode.Uri.file(gt)).get('classNames');
  const file = findClassesJson(pred, gt);
  let json: unknown;
  const problems: string[] = [];
  if (file) {
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push(`${file}: not valid JSON (${(e as Error).message})`);
    }
  }
  const r = resolveClassNames(classes, setting, json, binary);
  return { names: r.names, problems: [...problems, ...r.problems.map((p) => (file ? p.replace('classes.json', file) : p))] };
}
