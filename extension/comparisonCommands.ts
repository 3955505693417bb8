/**
 * The commands of the Loss Comparison: Add to Loss Comparison (explorer multi-select of files or
 * folders, or a file picker), add by glob, Set as Comparison Ground Truth, clear; and the
 * results panel's "Add to comparison".
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { ComparisonModel, ComparisonViewProvider, COMPARISON_VIEW_ID, masksOf } from './comparison.js';
import { findPartner, isMaskFile } from './pairing.js';
import { selectedFiles } from './pairCommand.js';

const MASK_FILTERS = { 'Mask files': ['png', 'npy', 'nii', 'gz'] };

async function pickFiles(title: string, many: boolean): Promise<string[]> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: many, canSelectFolders: many, canSelectFiles: true, title, openLabel: 'Choose', filters: MASK_FILTERS });
  return (picked ?? []).map((u) => u.fsPath);
}

/** The ground truth of a first prediction, as the results panel would pair it; undefined when not clear. */
async function partnerOf(pred: string): Promise<string | undefined> {
  const uris = await vscode.workspace.findFiles('**/*.{png,npy,nii,nii.gz,PNG,NPY,NII,NII.GZ}', '**/{node_modules,.git,.e2e,dist,out}/**', 20000);
  const search = findPartner(pred, uris.map((u) => u.fsPath).filter(isMaskFile));
  const unique = search.unique;
  return unique && search.candidates.find((c) => c.path === unique)?.role === 'gt' ? unique : undefined;
}

export function registerComparison(model: ComparisonModel, provider: ComparisonViewProvider, log: vscode.OutputChannel): vscode.Disposable[] {
  const add = async (paths: string[]): Promise<number> => {
    const masks = await masksOf(paths);
    if (masks.length === 0) {
      void vscode.window.showWarningMessage('SegScope: no mask files (.png, .npy, .nii, .nii.gz) in the selection.');
      return 0;
    }
    if (!model.targetPath) {
      const found = await partnerOf(masks[0]!);
      const gt = found ?? (await pickFiles(`Choose the ground truth to compare ${basename(masks[0]!)}${masks.length > 1 ? ` and ${masks.length - 1} more` : ''} against`, false))[0];
      if (!gt) return 0;
      log.appendLine(`comparison: ground truth ${gt}${found ? ' (the partner of the first prediction)' : ''}`);
      model.setTarget(gt);
    }
    const added = model.add(masks.filter((m) => m !== model.targetPath));
    provider.reveal();
    return added;
  };

  return [
    vscode.window.registerWebviewViewProvider(COMPARISON_VIEW_ID, provider, { webviewOptions: { retainContextWhenHidden: false } }),
    vscode.commands.registerCommand('segscope.addToComparison', async (...args: unknown[]) => {
      const files = selectedFiles(args);
      return add(files.length ? files : await pickFiles('Add predictions to the Loss Comparison', true));
    }),
    vscode.commands.registerCommand('segscope.addToComparisonByGlob', async (glob?: string) => {
      const pattern = glob ?? (await vscode.window.showInputBox({ title: 'Add predictions to the Loss Comparison', prompt: 'A glob over the workspace', placeHolder: 'runs/*/pred_*.png' }));
      if (!pattern) return 0;
      const uris = await vscode.workspace.findFiles(pattern, '**/{node_modules,.git}/**', 5000);
      return add(uris.map((u) => u.fsPath));
    }),
    vscode.commands.registerCommand('segscope.setComparisonTarget', async (...args: unknown[]) => {
      const [file] = selectedFiles(args).length ? selectedFiles(args) : await pickFiles('Choose the ground truth of the Loss Comparison', false);
      if (!file) return;
      if (!isMaskFile(file)) {
        void vscode.window.showErrorMessage(`SegScope: ${file}: not a mask file (expected .png, .npy, .nii or .nii.gz).`);
        return;
      }
      model.setTarget(file);
      // the explorer stays in front: the predictions are picked there next
      void vscode.window.setStatusBarMessage(`SegScope: the Loss Comparison compares against ${vscode.workspace.asRelativePath(file)}`, 5000);
    }),
    vscode.commands.registerCommand('segscope.clearComparison', () => model.clear()),
  ];
}

/** The results panel's "Add to comparison": its prediction, against its ground truth. */
export async function addPairToComparison(model: ComparisonModel, provider: ComparisonViewProvider, pred: string, gt: string): Promise<void> {
  if (model.targetPath && model.targetPath !== gt) {
    const replace = 'Use this ground truth';
    const pick = await vscode.window.showWarningMessage(
      `SegScope: the Loss Comparison compares against ${vscode.workspace.asRelativePath(model.targetPath)}; this pair's ground truth is ${vscode.workspace.asRelativePath(gt)}.`,
      replace,
      'Cancel',
    );
    if (pick !== replace) return;
  }
  if (model.targetPath !== gt) model.setTarget(gt);
  model.add([pred]);
  provider.reveal();
}

export { COMPARISON_VIEW_ID };
