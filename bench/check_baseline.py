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
import numpy as np  # noqa: E402

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


def naive_lovasz(errors, gt):
    order = np.argsort(-errors, kind='stable')
    e, g = errors[order], gt[order].astype(np.float64)
    G = g.sum()
    inter = G - np.cumsum(g)
    union = G + np.cumsum(1 - g)
    jac = 1.0 - inter / union
    jac[1:] = jac[1:] - jac[:-1]
    return float(np.dot(e, jac))


def self_checks():
    """The shortcuts baseline.py takes, against the plain formulas on random inputs."""
    rng = np.random.default_rng(7)
    errs = []
    for it in range(40):
        n = int(rng.integers(1, 400))
        e = np.round(rng.random(n), 1 if it % 2 else 6)  # ties on odd iterations
        g = rng.random(n) < rng.random()
        got = baseline._lovasz_sorted(e[g], e[~g])
        want = naive_lovasz(e, g)
        if not agree(got, want):
            errs.append(f'lovasz merge: got {got} want {want}')
    from scipy import ndimage as ndi
    for it in range(12):
        shape = (int(rng.integers(5, 40)), int(rng.integers(5, 40))) if it % 3 else (7, 9, 11)
        sp = tuple(float(v) for v in rng.uniform(0.3, 3, len(shape)))
        G = ndi.binary_opening(rng.random(shape) < 0.45) if it % 4 else rng.random(shape) < 0.5
        if not G.any() or G.all():
            continue
        pair = baseline.Pair()
        pair.shape, pair.spacing, pair.binary, pair.C = shape, sp, True, 2
        pair.y = G.reshape(-1).astype(np.int32)
        pair.p = rng.random(G.size)
        K = baseline.Cache(pair)
        phi = K.phi(1)
        want = ndi.distance_transform_edt(~G, sampling=sp) * ~G - (ndi.distance_transform_edt(G, sampling=sp) - 1) * G
        if not np.allclose(phi, want, rtol=1e-12, atol=1e-12):
            errs.append(f'phi shortcut differs on {shape}')
        dt = K.dt_field(1, 'B')
        want = ndi.distance_transform_edt(G, sampling=sp) + ndi.distance_transform_edt(~G, sampling=sp)
        if not np.allclose(dt, want, rtol=1e-12, atol=1e-12):
            errs.append(f'dt shortcut differs on {shape}')
        A = K.mask(1, 'A')[0]
        if A.any():
            crop = K.surface_distances(1)
            K2 = baseline.Cache(pair)
            K2.phi(1)
            K2.dt_field(1, 'A')
            full = K2.surface_distances(1)
            if not (np.allclose(crop[0], full[0]) and np.allclose(crop[1], full[1])):
                errs.append(f'cropped surface distances differ on {shape}')
    # stable log(1 - p_c) from logits, including logits so far apart that exp underflows
    from scipy.special import logsumexp
    Z = rng.normal(size=(4, 50)) * 3
    Z[:, :10] *= 400
    pair = baseline.Pair()
    pair.shape, pair.spacing, pair.C = (50,), (1.0,), 4
    pair.y = rng.integers(0, 4, 50).astype(np.int32)
    pair.Z = Z
    pair.P = np.exp(Z - logsumexp(Z, axis=0))
    K = baseline.Cache(pair)
    for c in range(4):
        want = logsumexp(np.delete(Z, c, axis=0), axis=0) - logsumexp(Z, axis=0)
        got = K.log1m_row(c)
        if not np.allclose(got, want, rtol=1e-10, atol=1e-12):
            errs.append(f'log(1-p) from logits differs for channel {c}')
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
    cli_ok = True
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
    se = self_checks()
    for e in se[:20]:
        print(f'FAIL self-check: {e}')
    if not se:
        print('ok   (self-checks: Lovasz merge, EDT shortcuts, cropped surface distances)')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed or se or not cli_ok else 0


if __name__ == '__main__':
    sys.exit(main())
