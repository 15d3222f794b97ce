"""The ways into a lesson from outside a clone, all built from settings.ini (user, repo, branch, git_url):
the "open in" column (Colab, Kaggle) of the lesson tables in README.md and nbs/index.ipynb, and the
guarded install cell at the top of every lesson.

    python .ci/lesson_links.py                    rewrite the tables' links
    python .ci/lesson_links.py --install-cell F   write the install cell as JSON to F ({"cell_type", "source"})
    python .ci/lesson_links.py --check            exit 1 if a table's links differ from what settings.ini gives,
                                                  or a lesson lacks that install cell before it imports convlab

Run it after moving the repository (a new `user`, `repo`, `branch` or `git_url` in settings.ini). Table
rows are the lines that start with a link to a numbered notebook; the column is added to the header the
first time. Lessons are nbs/NN_*.ipynb with NN below 90 (90+ are maintainers' notebooks).
"""
import configparser, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def settings():
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini', encoding='utf-8')
    c = cfg['DEFAULT']; return c['user'], c['repo'], c['branch']

def install_source():
    "The guarded install cell: pip-installs convlab from the repository on Colab and Kaggle, else nothing."
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini', encoding='utf-8')
    c = cfg['DEFAULT']; url = f"{c['git_url']}@{c['branch']}"
    return f"""#| hide
# On Colab or Kaggle, install convlab (and what it needs to run) from the course's repository, once.
# Anywhere else (a clone, a laptop, nbdev_test, CI) this cell does nothing. Kaggle needs Internet on.
import os, sys, subprocess, importlib.util
if (os.path.exists('/content') or os.path.exists('/kaggle')) and not os.environ.get('IN_TEST') \\
   and importlib.util.find_spec('convlab') is None:
    subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', 'convlab @ git+{url}'], check=True)"""

def lessons(): return sorted(p for p in (ROOT/'nbs').glob('[0-9][0-9]_*.ipynb') if int(p.name[:2]) < 90)

IMPORTS_CONVLAB = re.compile(r'^\s*(from|import)\s+convlab\b', re.M)

def check_install_cells():
    "Names of lessons where the install cell is missing, out of date, or comes after a cell importing convlab."
    want = install_source(); bad = []
    for p in lessons():
        code = [''.join(c['source']).strip() for c in json.loads(p.read_text(encoding='utf-8'))['cells'] if c['cell_type'] == 'code']
        first_import = next((i for i, s in enumerate(code) if IMPORTS_CONVLAB.search(s)), len(code))
        if want not in code[:first_import]: bad.append(p.name)
    return bad

def links(nb_name, user, repo, branch):
    "Markdown links that open nbs/`nb_name` from GitHub in Colab and in Kaggle."
    path = f'{user}/{repo}/blob/{branch}/nbs/{nb_name}'
    return (f'[Colab](https://colab.research.google.com/github/{path}) · '
            f'[Kaggle](https://kaggle.com/kernels/welcome?src=https://github.com/{path})')

ROW = re.compile(r'^\| \[(?P<name>[0-9]\w*)\]\((?P<href>(?:nbs/)?(?P=name)\.ipynb)\) \|(?P<rest>.*)$')

def fix_table(text, user, repo, branch):
    out = []
    for line in text.split('\n'):
        if line.startswith('| notebook |') and 'open in' not in line: line = line.rstrip() + ' open in |'
        elif line.startswith('|---|') and out and out[-1].startswith('| notebook |') and line.count('|') < out[-1].count('|'):
            line = line.rstrip() + '---|'
        else:
            m = ROW.match(line)
            if m:
                cols = [c.strip() for c in m['rest'].strip().strip('|').split(' | ')]
                cols = cols[:2] + [links(m['name'] + '.ipynb', user, repo, branch)]
                line = f"| [{m['name']}]({m['href']}) | " + ' | '.join(cols) + ' |'
        out.append(line)
    return '\n'.join(out)

def main(check=False):
    user, repo, branch = settings()
    if check:
        bad = check_install_cells()
        if bad: print('no up-to-date install cell before the first convlab import (python .ci/lesson_links.py --install-cell F):', ', '.join(bad))
    readme = ROOT/'README.md'; index = ROOT/'nbs'/'index.ipynb'
    changed = []
    new = fix_table(readme.read_text(encoding='utf-8'), user, repo, branch)
    if new != readme.read_text(encoding='utf-8'):
        changed.append('README.md')
        if not check: readme.write_text(new, encoding='utf-8')
    nb = json.loads(index.read_text(encoding='utf-8')); nb_changed = False
    for cell in nb['cells']:
        if cell['cell_type'] != 'markdown': continue
        src = ''.join(cell['source']); new = fix_table(src, user, repo, branch)
        if new != src:
            nb_changed = True
            lines = new.split('\n'); cell['source'] = [l + '\n' for l in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if nb_changed:
        changed.append('nbs/index.ipynb')
        if not check:
            with open(index, 'w', encoding='utf-8') as f: json.dump(nb, f, indent=1, ensure_ascii=False); f.write('\n')
    if check and changed: print('lesson links differ from settings.ini in:', ', '.join(changed), '(run python .ci/lesson_links.py)')
    elif changed: print('rewrote the lesson links in:', ', '.join(changed))
    return not (check and (changed or bad))

if __name__ == '__main__':
    if '--install-cell' in sys.argv:
        dest = Path(sys.argv[sys.argv.index('--install-cell') + 1])
        dest.write_text(json.dumps({'cell_type': 'code', 'source': install_source()}, indent=1, ensure_ascii=False) + '\n')
        print(f'wrote {dest}'); sys.exit(0)
    sys.exit(0 if main(check='--check' in sys.argv) else 1)
