#!/usr/bin/env python3
"""One-off: moves the single crate's modules into the workspace's member
crates under pkg/ and rewrites their paths. Kept so the move can be re-run
on a newer tree; delete once the workspace has landed."""
import os
import re
import subprocess
import sys

ROOT = next((a for a in sys.argv[1:] if not a.startswith('--')), '.')
os.chdir(ROOT)

def git_mv(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    subprocess.run(['git', 'mv', src, dst], check=True)

def move_tree(src_dir, dst_dir, root_file=None):
    """Moves every file of src_dir under dst_dir; `mod.rs` becomes `root_file` when given."""
    for dirpath, _, files in os.walk(src_dir):
        for f in files:
            src = os.path.join(dirpath, f)
            rel = os.path.relpath(src, src_dir)
            if root_file and rel == 'mod.rs':
                rel = root_file
            git_mv(src, os.path.join(dst_dir, rel))

# `--rewrite-only`: the files have moved already (e.g. after merging code
# written on the old layout); only rewrite the paths.
REWRITE_ONLY = '--rewrite-only' in sys.argv

def move_all():
    move_tree('pkg/rating', 'pkg/core/src/rating')
    move_tree('pkg/energy', 'pkg/core/src/energy')
    move_tree('pkg/catalog', 'pkg/core/src/catalog')
    for f in os.listdir('pkg/store'):
        git_mv(f'pkg/store/{f}', f'pkg/store/src/{"lib.rs" if f == "mod.rs" else f}') if os.path.isfile(f'pkg/store/{f}') else None
    move_tree('pkg/ingest', 'pkg/store/src/ingest')
    git_mv('pkg/query/simulate.rs', 'pkg/sim/src/simulate.rs')
    git_mv('pkg/query/demo.rs', 'pkg/sim/src/demo.rs')
    move_tree('pkg/query', 'pkg/engine/src', root_file='lib.rs')
    move_tree('pkg/frames', 'pkg/grafana/src/frames')
    move_tree('pkg/plugin', 'pkg/grafana/src/plugin')
    cli_files = [f for f in os.listdir('pkg/cli')]
    for f in cli_files:
        p = f'pkg/cli/{f}'
        if os.path.isdir(p):
            move_tree(p, f'pkg/cli/src/{f}')
        else:
            git_mv(p, f'pkg/cli/src/{"lib.rs" if f == "mod.rs" else f}')

if not REWRITE_ONLY:
    move_all()

CRATE_OF = {
    'rating': ('core', 'arenawatt_core::rating'),
    'energy': ('core', 'arenawatt_core::energy'),
    'catalog': ('core', 'arenawatt_core::catalog'),
    'store': ('store', 'arenawatt_store'),
    'ingest': ('store', 'arenawatt_store::ingest'),
    'query': ('engine', 'arenawatt_engine'),
    'frames': ('grafana', 'arenawatt_grafana::frames'),
    'plugin': ('grafana', 'arenawatt_grafana::plugin'),
    'cli': ('cli', 'arenawatt_cli'),
}
SIM_ITEMS = {'simulate': 'arenawatt_sim::simulate', 'demo': 'arenawatt_sim::demo'}

def rewrite(path, crate):
    text = open(path).read()
    orig = text

    # crate::query::simulate / crate::query::demo live in sim now.
    def sim_path(m):
        item = m.group(1)
        return 'crate::' + item if crate == 'sim' else SIM_ITEMS[item]
    text = re.sub(r'\bcrate::query::(simulate|demo)\b', sim_path, text)

    def repl(m):
        module = m.group(1)
        owner, external = CRATE_OF[module]
        if owner == crate:
            if crate in ('core', 'grafana'):
                return f'crate::{module}'
            # the crate root is the module itself (store, engine, cli), ingest stays a module
            if module == 'ingest':
                return 'crate::ingest'
            return 'crate'
        return external
    text = re.sub(r'\bcrate::(rating|energy|catalog|store|ingest|query|frames|plugin|cli)\b', repl, text)
    if crate == 'sim':
        # demo/simulate were submodules of query: their `super::` is the engine.
        text = re.sub(r'\bsuper::(resolve|time)\b', r'arenawatt_engine::\1', text)
        text = re.sub(r'\bsuper::simulate\b', 'crate::simulate', text)
    if text != orig:
        open(path, 'w').write(text)

for crate in ['core', 'store', 'engine', 'sim', 'grafana', 'cli']:
    for dirpath, _, files in os.walk(f'pkg/{crate}/src'):
        for f in files:
            if f.endswith('.rs'):
                rewrite(os.path.join(dirpath, f), crate)

# The binaries and the top-level tests, examples and benches.
def rewrite_outside(path):
    text = open(path).read()
    orig = text
    text = re.sub(r'\barenawatt::query::(simulate|demo)\b', r'arenawatt::sim::\1', text)
    text = text.replace('use arenawatt::query::{demo, simulate};', 'use arenawatt::sim::{demo, simulate};')
    if text != orig:
        open(path, 'w').write(text)

for top in ['pkg/bin', 'tests', 'examples', 'benches']:
    for dirpath, _, files in os.walk(top):
        for f in files:
            if f.endswith('.rs'):
                rewrite_outside(os.path.join(dirpath, f))

# Data includes: pkg/data stays where it is.
INCLUDE = re.compile(r'include_(str|bytes)!\("\.\./data/')
for dirpath, _, files in os.walk('pkg'):
    for f in files:
        if not f.endswith('.rs'):
            continue
        p = os.path.join(dirpath, f)
        text = open(p).read()
        if '"../data/' in text:
            depth = os.path.relpath('pkg/data', dirpath)
            text = INCLUDE.sub(lambda m: f'include_{m.group(1)}!("{depth}/', text)
            open(p, 'w').write(text)
# `use crate::query::{self, ..}` named the module `query`; keep that name.
for p in ['pkg/grafana/src/plugin/data.rs', 'pkg/grafana/src/plugin/resources.rs']:
    t = open(p).read().replace('use arenawatt_engine::{self, ', 'use arenawatt_engine::{self as query, ')
    open(p, 'w').write(t)
# POST votes shares the csv reader's row rules across the crate boundary.
p = 'pkg/store/src/ingest/mod.rs'
t = open(p).read().replace('pub(crate) mod row;', 'pub mod row;')
open(p, 'w').write(t)
p = 'pkg/store/src/ingest/row.rs'
t = re.sub(r'(?m)^pub\(crate\) fn (check_model_name|parse_timestamp|parse_winner|without_bom)\b', r'pub fn \1', open(p).read())
open(p, 'w').write(t)
# The bench left the CLI for its own member, pkg/bench (issue 13); code
# merged from the old layout's cli/bench belongs there.
for p in ['pkg/cli/src/bench/rating.rs', 'pkg/bench/src/rating.rs']:
    if os.path.exists(p):
        t = open(p).read().replace('.join("pkg/data/lmsys/', '.join("../data/lmsys/')
        open(p, 'w').write(t)
print('moved')
