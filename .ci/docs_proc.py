"""nbdev's docs preprocessing, offline, over every notebook: the part of `nbdev_docs` before Quarto.

    python .ci/docs_proc.py [NB.ipynb ...]      (run from the repository root, in the dev environment)

`nbdev_docs` (and `nbdev_proc_nbs`) first insist on Quarto, which cannot be installed offline, then run
nbdev's notebook processors (`nbdev.processors.FilterDefaults`, exactly as `nbdev.serve.proc_nbs` does)
over each notebook. One of them, `exec_show_docs`, re-runs every export cell and every cell that contains
an import in a FRESH kernel, skipping the rest: a cell that imports something and uses a name defined in
a skipped cell fails there (a NameError on GitHub, not in `nbdev_test`). This script runs the same
processors here, one notebook at a time, writing nothing into the repository (processed copies go to a
temporary folder). It also checks what the docs site needs besides the notebooks (nbs/styles.css).
Prints "PASS name" / "FAIL name: cell + error" per notebook and "docs proc: N passed, M failed".
"""
import os, sys, tempfile, time, traceback, warnings
from pathlib import Path

def main(names):
    from nbdev.config import get_config
    from nbdev.processors import FilterDefaults
    from execnb.nbio import read_nb, write_nb
    cfg = get_config()
    nbs = [cfg.nbs_path/n for n in names] if names else sorted(cfg.nbs_path.glob('*.ipynb'))
    out = Path(tempfile.mkdtemp(prefix='convlab-docs-proc.'))
    passed = failed = 0
    # the generated _quarto.yml (nbdev.quarto._quarto_yml) points the site at nbs/styles.css
    from nbdev.quarto import _quarto_yml
    if 'styles.css' in _quarto_yml:
        if (cfg.nbs_path/'styles.css').is_file(): passed += 1; print('PASS nbs/styles.css (used by the generated _quarto.yml)')
        else: failed += 1; print('FAIL nbs/styles.css is missing: the generated _quarto.yml uses it')
    os.environ['IN_TEST'] = '1'   # as nbdev.serve_drv does
    for nb_path in nbs:
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter('always')
            try:
                nb = read_nb(nb_path)
                FilterDefaults()(nb)
                write_nb(nb, out/nb_path.name)
                ok, why = True, ''
            except Exception as e:
                ok = False
                cause = e.__cause__ or e.__context__
                why = f'{e}'.strip() + (f'\n    -> {type(cause).__name__}: {cause}' if cause else '')
        mixed = [str(w.message) for w in ws if 'containing imports and other code' in str(w.message)]
        firsts = [next((l for l in m.split('---')[1].splitlines() if l.strip() and not l.startswith('#|')), '?')[:90]
                  for m in mixed if m.count('---') >= 2]
        note = (f' ({len(mixed)} cell(s) mix imports with other code; nbdev re-runs them whole in the docs build: '
                + '; '.join(repr(f) for f in firsts) + ')') if mixed else ''
        secs = time.perf_counter() - t0
        if ok: passed += 1; print(f'PASS {nb_path.name} {secs:.1f} s{note}', flush=True)
        else:  failed += 1; print(f'FAIL {nb_path.name} {secs:.1f} s{note}:\n    ' + why.replace('\n', '\n    '), flush=True)
    print(f'docs proc: {passed} passed, {failed} failed')
    return failed == 0

if __name__ == '__main__':
    sys.exit(0 if main(sys.argv[1:]) else 1)
