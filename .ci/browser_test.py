#!/usr/bin/env python3
"""The course as a learner sees it: JupyterLab in headless Chromium, notebooks run with "Run All".

    python .ci/browser_test.py [SCREENSHOT_DIR] [--nbs 12_explorers.ipynb index.ipynb 00_core.ipynb]

Serves a temporary copy of nbs/ with JupyterLab on 127.0.0.1 from the current environment (the
repository first on PYTHONPATH), opens each notebook, runs it with Run > Run All Cells, and checks:
every code cell ran, no error output, every plot rendered as a loaded <img>, every explorer cell
rendered as live widgets, and moving a slider of each explorer redraws its picture. Saves
screenshots to SCREENSHOT_DIR (default /tmp/convlab-screens). Tears down the server and its kernels.
Installs nothing: it needs Chromium (Debian's `chromium`, or Chrome, or $CHROMIUM) and `pip install playwright`.
Exit status 0 when every check passes, 1 when one fails, 2 when the browser or Playwright is missing.
"""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPLORER_CALL = re.compile(r'^\s*(\w+_explorer)\(.*\)\s*(#.*)?$')   # a cell that ends by showing an explorer
t_start = time.time()
failures, saved = [], []

def shot(target, path):
    "Screenshot `target` (a page or an element) to `path`, and remember its name."
    target.screenshot(path=str(path)); saved.append(path.name)

def log(msg): print(f'[{time.time() - t_start:5.1f}s] {msg}', flush=True)
def check(ok, what):
    log(('ok   ' if ok else 'FAIL ') + what)
    if not ok: failures.append(what)
    return ok

def find_browser():
    "The Chromium executable and Playwright's sync API, or a clear message and exit status 2."
    exe = os.environ.get('CHROMIUM') or next(filter(None, map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome'))), None)
    try: from playwright.sync_api import sync_playwright
    except ImportError: sync_playwright = None
    if exe and sync_playwright: return exe, sync_playwright
    if not exe: print("browser test: no Chromium found. Install Debian's package: apt-get install -y chromium (or set $CHROMIUM).")
    if not sync_playwright: print('browser test: Playwright for Python is missing. Install it: pip install playwright '
                                  '(no browser download is needed: the test drives the system Chromium).')
    sys.exit(2)

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def start_lab(tmp, root, port, token):
    "JupyterLab on 127.0.0.1:`port`, its config, settings, workspaces and runtime all under `tmp`."
    cfg = tmp/'config'
    settings = cfg/'lab'/'user-settings'/'@jupyterlab'
    for name, value in (('notebook-extension/tracker', {'windowingMode': 'none'}),   # render every cell, not only the visible ones
                        ('apputils-extension/notification', {'fetchNews': 'false', 'checkForUpdates': False})):
        f = settings/f'{name}.jupyterlab-settings'
        f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps(value))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(cfg), JUPYTER_RUNTIME_DIR=str(tmp/'runtime'), IPYTHONDIR=str(tmp/'ipython'),
               JUPYTERLAB_SETTINGS_DIR=str(cfg/'lab'/'user-settings'), JUPYTERLAB_WORKSPACES_DIR=str(tmp/'workspaces'),
               PYTHONPATH=os.pathsep.join([str(REPO)] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]))
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}',
           '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}',
           '--LabApp.expose_app_in_browser=True']
    out = open(tmp/'lab.log', 'w')
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # its own process group
    url = f'http://127.0.0.1:{port}'
    for _ in range(120):
        if proc.poll() is not None: break
        try:
            urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); return proc, url
        except OSError: time.sleep(0.5)
    if proc.poll() is None: os.killpg(proc.pid, signal.SIGKILL); proc.wait(5)
    print((tmp/'lab.log').read_text()[-3000:])
    raise RuntimeError('JupyterLab did not start (its log is above)')

def own_processes(tmp):
    "PIDs of processes whose command line mentions `tmp`: the server's kernels (their connection files live there)."
    pids = []
    for d in Path('/proc').iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid(): continue
        try: cmdline = (d/'cmdline').read_bytes().replace(b'\0', b' ').decode(errors='replace')
        except OSError: continue
        if str(tmp) in cmdline: pids.append(int(d.name))
    return pids

def stop_lab(proc, tmp):
    "Stop the server's process group (it shuts its kernels down), then end any process of ours still there."
    try: os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError: pass
    try: proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL); proc.wait(5)
    for sig in (signal.SIGTERM, signal.SIGKILL):   # kernels run in sessions of their own: found by their files in `tmp`
        left = own_processes(tmp)
        for pid in left:
            try: os.kill(pid, sig)
            except ProcessLookupError: pass
        if left: time.sleep(2)
    return own_processes(tmp), left

JS_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const ctx = panel && panel.sessionContext;
  const kernel = ctx && ctx.session && ctx.session.kernel;
  const prompts = [...panel.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
  return {ready: !!(ctx && ctx.isReady), status: kernel ? kernel.status : 'none', prompts};
}"""

def wait_kernel_idle(page, timeout):
    end = time.time() + timeout
    while time.time() < end:
        s = page.evaluate(JS_STATE)
        if s['ready'] and s['status'] == 'idle': return s
        time.sleep(0.25)
    return page.evaluate(JS_STATE)

def wait_run_all(page, timeout):
    "Wait until the run has started, no cell is queued or running and the kernel is idle, twice in a row."
    end, calm = time.time() + timeout, 0
    while time.time() < end:
        s = page.evaluate(JS_STATE)
        busy = s['status'] != 'idle' or any('*' in p for p in s['prompts']) or all(p == '[ ]:' for p in s['prompts'])  # not started yet
        calm = 0 if busy else calm + 1
        if calm >= 2: return s
        time.sleep(0.5)
    return page.evaluate(JS_STATE)

def move_slider(widget):
    "Press the right arrow on the widget's first slider handle; return the slider's description."
    handle = widget.locator('.widget-slider .noUi-handle').first
    handle.focus(); handle.press('ArrowRight')
    return widget.locator('.widget-slider .widget-label').first.inner_text()

def start_notebook(page, name):
    "Once `name` is open and its kernel idle: Run > Run All Cells, as a learner would."
    page.wait_for_selector('.jp-NotebookPanel .jp-Cell', timeout=60_000)
    page.wait_for_function('() => window.jupyterapp && window.jupyterapp.shell.currentWidget && window.jupyterapp.shell.currentWidget.sessionContext', timeout=30_000)
    s = wait_kernel_idle(page, 60)
    if not check(s['ready'] and s['status'] == 'idle', f'{name}: kernel started (status {s["status"]})'): return False
    page.locator('.lm-MenuBar-itemLabel', has_text=re.compile(r'^Run$')).click()
    page.locator('.lm-Menu-itemLabel', has_text=re.compile(r'^Run All Cells$')).click()
    log(f'{name}: Run All Cells')
    return True

def check_notebook(page, name, nb, shots, timeout):
    "Wait for Run All to finish, then check what the learner sees, and move one slider of each explorer."
    s = wait_run_all(page, timeout)
    log(f'{name}: Run All finished')
    code_cells = [c for c in nb['cells'] if c['cell_type'] == 'code']
    ran = [p for p in s['prompts'] if re.fullmatch(r'\[\d+\]:', p)]
    check(len(ran) == len(code_cells), f'{name}: every code cell ran ({len(ran)} of {len(code_cells)})')
    panel = page.locator('.jp-NotebookPanel:visible')
    errs = [t for t in panel.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
            if 'Traceback' in t or re.search(r'^\w*(Error|Exception)\b', t, re.M)]
    check(not errs, f'{name}: no error output' + (f': {errs[0][-600:]}' if errs else ''))
    # plots: every image output is an <img> that loaded
    n_png = panel.locator('.jp-OutputArea-output[data-mime-type="image/png"]').count()
    imgs = panel.locator('.jp-OutputArea-output[data-mime-type="image/png"] img')
    loaded = sum(imgs.nth(i).evaluate('i => i.complete && i.naturalWidth > 0') for i in range(imgs.count()))
    check(loaded == n_png, f'{name}: every plot rendered as an image ({loaded} of {n_png})')
    # explorers: one live widget per cell that ends by showing one
    last_lines = [''.join(c['source']).strip().splitlines()[-1] for c in code_cells if ''.join(c['source']).strip()]
    calls = [m.group(1) for m in map(EXPLORER_CALL.match, last_lines) if m]   # e.g. ['kernel_explorer', ...]
    views = panel.locator('.jp-OutputArea-output > .jupyter-widgets.widget-vbox')
    check(views.count() == len(calls), f'{name}: every explorer rendered as live widgets ({views.count()} of {len(calls)})')
    shot(page, shots/f'nb-{Path(name).stem}.png')
    for i in range(views.count()):
        w, what = views.nth(i), calls[i] if i < len(calls) else f'explorer{i+1}'
        w.scroll_into_view_if_needed()
        img = w.locator('.widget-image').first
        ok = img.evaluate('i => i.complete && i.naturalWidth > 0')
        check(ok and w.locator('.widget-slider, .widget-dropdown').count() > 0, f'{name}: {what} shows a picture and controls')
        shot(w, shots/f'{Path(name).stem}-{what}.png')
        before = img.get_attribute('src')
        label = move_slider(w)
        try:
            page.wait_for_function('([i, src]) => i.src !== src && i.complete && i.naturalWidth > 0', arg=[img.element_handle(), before], timeout=20_000)
            moved = True
        except Exception: moved = False
        check(moved, f'{name}: {what}: moving its "{label}" slider redraws the picture')
        if moved: shot(w, shots/f'{Path(name).stem}-{what}-moved.png')

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('shots', nargs='?', default='/tmp/convlab-screens', help='folder for the screenshots')
    p.add_argument('--nbs', nargs='+', default=['12_explorers.ipynb', 'index.ipynb', '00_core.ipynb'], help='notebooks in nbs/ to run')
    p.add_argument('--timeout', type=float, default=100, help='seconds allowed for the notebooks to run')
    a = p.parse_args()
    exe, sync_playwright = find_browser()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # killed from outside: still tear down (the `finally` below)
    shots = Path(a.shots); shots.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix='convlab-browser-'))
    root = tmp/'repo'/'nbs'                     # outputs are written to this copy, never to nbs/
    shutil.copytree(REPO/'nbs', root)
    for f in REPO.iterdir():                    # the files beside nbs/ that a lesson may read (index reads ../README.md)
        if f.is_file(): shutil.copy(f, root.parent/f.name)
    token, port = os.urandom(16).hex(), free_port()
    proc = url = None
    try:
        proc, url = start_lab(tmp, root, port, token)
        log(f'JupyterLab up on 127.0.0.1:{port}, serving a copy of nbs/ in {root}')
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'])
            try:
                pages = {}
                for name in a.nbs:   # a tab each, all running at once: a kernel mostly uses one core
                    pages[name] = page = browser.new_page(viewport={'width': 1400, 'height': 1000})
                    page.goto(f'{url}/lab/tree/{name}?reset&token={token}', wait_until='commit')  # reset: no tabs restored
                for name, page in list(pages.items()):
                    try: started = start_notebook(page, name)
                    except Exception as e: started = check(False, f'{name}: {type(e).__name__}: {str(e).splitlines()[0][:300]}')
                    if not started: pages.pop(name).close()
                deadline = time.time() + a.timeout
                for name, page in pages.items():
                    try: check_notebook(page, name, json.loads((root/name).read_text()), shots, max(5, deadline - time.time()))
                    except Exception as e: check(False, f'{name}: {type(e).__name__}: {str(e).splitlines()[0][:300]}')
                    log(f'{name}: checked')
            finally: browser.close()
    except Exception as e: check(False, f'{type(e).__name__}: {e}')
    finally:
        if proc is not None:
            t0 = time.time()
            alive, ended = stop_lab(proc, tmp)
            check(not alive, f'teardown in {time.time() - t0:.0f} s: server and kernels stopped'
                  + (f'; ended leftovers {ended}' if ended else '') + (f'; STILL RUNNING {alive}' if alive else ''))
        shutil.rmtree(tmp, ignore_errors=True)
    took = time.time() - t_start
    print(f"browser test: {'FAILED' if failures else 'passed'} in {took:.0f} s; screenshots in {shots}: "
          + ', '.join(saved))
    for f in failures: print('  failed:', f)
    sys.exit(1 if failures else 0)

if __name__ == '__main__': main()
