"""Execute notebooks top to bottom with Jupyter's own executor (nbclient), as a learner's "Run all" does.

    python execute_nbs.py WORKDIR NB.ipynb [NB.ipynb ...]      (LEARNER_WORKERS=N: N at a time, default 2)

Each notebook runs in WORKDIR (a scratch copy of the notebooks, outside any repository) in a kernel of
its own, and its executed copy is written to WORKDIR/executed/; the copies it ran from are not changed.
One line per notebook ("PASS name seconds" or "FAIL name seconds: error, and the failing cell's first
line"); exit status 1 if any failed.
"""
import os, re, sys, time, traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

def run(work: Path, name: str, timeout: int = 900) -> bool:
    nb = nbformat.read(work/name, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(work)}})
    t0 = time.perf_counter()
    try:
        client.execute()
        ok, why = True, ''
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        ok = False
        ename, evalue = getattr(e, 'ename', type(e).__name__), getattr(e, 'evalue', str(e))
        bad = [c for c in nb.cells if any(o.get('output_type') == 'error' for o in c.get('outputs', []))]
        first = next((l for l in bad[0].source.splitlines() if l.strip() and not l.startswith('#|')), '') if bad else ''
        why = re.sub(r'\x1b\[[0-9;]*m', '', f'{ename}: {evalue}'.replace('\n', ' '))[:400] + (f' -- in the cell: {first[:160]}' if first else '')
    except Exception as e:  # the executor itself failed (kernel did not start, ...)
        ok, why = False, f'{type(e).__name__}: {e}'[:600]
        traceback.print_exc()
    secs = time.perf_counter() - t0
    (work/'executed').mkdir(exist_ok=True)
    nbformat.write(nb, work/'executed'/name)
    line = f"{'PASS' if ok else 'FAIL'} {name} {secs:.1f} s" + (f': {why}' if why else '')
    print(line, flush=True)
    return ok

if __name__ == '__main__':
    work, names = Path(sys.argv[1]).resolve(), sys.argv[2:]
    workers = max(1, int(os.environ.get('LEARNER_WORKERS', '2')))
    with ProcessPoolExecutor(workers) as ex:
        results = [f.result() for f in as_completed([ex.submit(run, work, n) for n in names])]
    sys.exit(0 if all(results) and len(results) == len(names) else 1)
