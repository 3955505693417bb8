#!/usr/bin/env python3
"""Check bench/baseline.py against every golden case in shared/golden (README's rules).

    python3 bench/check_baseline.py [GOLDEN_DIR]

Prints one line per failing value and a summary `N passed, N failed`; exit status 1 on
any failure."""
import glob
import json
import math
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import baseline  # noqa: E402

GOLDEN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', 'shared', 'golden')
if not os.path.isdir(GOLDEN):
    GOLDEN = '/work/shared/golden'


def agree(got, want):
    if isinstance(want, str) or isinstance(got, str):
        return got == want
    if isinstance(want, bool) or isinstance(got, bool):
        return got == want
    if got is None:
        return False
    return abs(got - want) <= max(1e-4 * max(abs(got), abs(want)), 1e-6)


def check_case(case_dir):
    with open(os.path.join(case_dir, 'case.json')) as f:
        case = json.load(f)
    pred = glob.glob(os.path.join(case_dir, 'pred.*'))[0]
    gt = glob.glob(os.path.join(case_dir, 'gt.*'))[0]
    a = baseline.build_parser().parse_args([pred, gt, '--json'] + case['args'])
    doc = baseline.to_json_safe(baseline.evaluate_files(pred, gt, baseline.options_from_args(a)))
    exp = case['expected']
    errs = []
    for k in ('binary', 'classes'):
        if doc[k] != exp[k]:
            errs.append(f'{k}: got {doc[k]} want {exp[k]}')
    if any(not agree(g, w) for g, w in zip(doc['spacing'], exp['spacing'])) or len(doc['spacing']) != len(exp['spacing']):
        errs.append(f"spacing: got {doc['spacing']} want {exp['spacing']}")
    if doc['prediction']['kind'] != exp['prediction']['kind']:
        errs.append(f"prediction.kind: got {doc['prediction']['kind']} want {exp['prediction']['kind']}")
    for k, w in exp['losses'].items():
        g = doc['losses'].get(k)
        if not agree(g, w):
            errs.append(f'losses.{k}: got {g} want {w}')
    extra = set(doc['losses']) - set(exp['losses'])
    if extra:
        errs.append(f'losses: unexpected keys {sorted(extra)}')
    got_pc = {e['class']: e for e in doc['perClass']}
    for e in exp['perClass']:
        g = got_pc.get(e['class'])
        if g is None:
            errs.append(f"perClass[{e['class']}]: missing")
            continue
        for k, w in e.items():
            if k == 'class':
                continue
            if not agree(g.get(k), w):
                errs.append(f"perClass[{e['class']}].{k}: got {g.get(k)} want {w}")
    em, gm = exp['metrics'], doc['metrics']
    if not agree(gm.get('pixelAccuracy'), em['pixelAccuracy']):
        errs.append(f"metrics.pixelAccuracy: got {gm.get('pixelAccuracy')} want {em['pixelAccuracy']}")
    gmc = {e['class']: e for e in gm['perClass']}
    for e in em['perClass']:
        g = gmc.get(e['class'])
        if g is None:
            errs.append(f"metrics.perClass[{e['class']}]: missing")
            continue
        for k, w in e.items():
            if k != 'class' and not agree(g.get(k), w):
                errs.append(f"metrics.perClass[{e['class']}].{k}: got {g.get(k)} want {w}")
    for k, w in em.get('meanForeground', {}).items():  # informational only
        pass
    return errs


def main():
    cases = sorted(d for d in glob.glob(os.path.join(GOLDEN, '*')) if os.path.isfile(os.path.join(d, 'case.json')))
    passed = failed = 0
    for d in cases:
        name = os.path.basename(d)
        try:
            errs = check_case(d)
        except Exception as e:  # report, keep going
            errs = [f'error: {type(e).__name__}: {e}']
        if errs:
            failed += 1
            print(f'FAIL {name}')
            for e in errs[:20]:
                print(f'    {e}')
        else:
            passed += 1
            print(f'ok   {name}')
    # the CLI path too: one case through a subprocess, JSON on stdout
    d = os.path.join(GOLDEN, 'bin_prob_32')
    if os.path.isdir(d):
        r = subprocess.run([sys.executable, os.path.join(HERE, 'baseline.py'), os.path.join(d, 'pred.npy'),
                            os.path.join(d, 'gt.npy'), '--json'], capture_output=True, text=True)
        try:
            doc = json.loads(r.stdout)
            want = json.load(open(os.path.join(d, 'case.json')))['expected']['losses']['dice']
            cli_ok = r.returncode == 0 and agree(doc['losses']['dice'], want)
        except Exception:
            cli_ok = False
        print(('ok  ' if cli_ok else 'FAIL') + ' (CLI subprocess, bin_prob_32)')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
