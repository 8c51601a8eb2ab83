#!/usr/bin/env python3
"""Run the commands and examples of README.md and docs/*.md and compare their shown output.

usage: doctest_docs.py --deqnn BIN --root SRC --build BUILD [--slow] [--list] FILE.md ...

The convention (docs/README.md, "Executable documentation"):

- A ```sh block is run by bash in a scratch directory of its page (one directory per page,
  shared by its blocks in order), with `deqnn` the build's binary on the PATH and data/,
  include/, validation/ and build/ of the source tree reachable by those names.  Every command
  must exit 0 unless a directive says otherwise.
- A ``` block (no language) right after a run block (no other block between them) is that
  block's shown output: each of its lines must appear, in order, in the block's stdout or
  stderr (the shown output may be an excerpt; `...` lines and blank lines are skipped).
- A ``` block whose lines start with `$ ` is a transcript: each `$ command` is run and the
  lines below it, up to the next `$`, are its shown output.
- A ```c block that defines `main` is compiled against the build tree and run (its output is
  the next block, as above); another ```c block is compiled at file scope after the deqnn
  headers (declarations must agree with the headers), or, when that fails, as the body of
  main (a fragment: compiled, linked and run).  ```cpp blocks likewise with c++.
- Numbers are compared to the printed digits: a shown number with k decimals (in its
  mantissa) must equal the actual value rounded to k decimals; a shown integer must be exact.
  Text between numbers must be identical up to white space; a shown line that ends in `...`
  is the beginning of its actual line.  Lines of the actual output that
  carry `# revision:`, `# date:` or `# threads:` are volatile: a shown line with such a key
  matches any value.

Directives, in an HTML comment on the lines before a block (they apply to that block only):

  <!-- doctest: skip (reason) -->        not run (the reason is required)
  <!-- doctest: slow -->                 run only with --slow (the `slow` meson suite)
  <!-- doctest: exit N -->               every command that fails exits with N, and one does
  <!-- doctest: tolerance R -->          numbers also match within R relative (simulations)
  <!-- doctest: file NAME -->            before a ``` block: the shown lines are in file NAME
                                         (made by an earlier block); before a ```c block:
                                         write the block to NAME (a later sh block builds it)
  <!-- doctest: compile-only (reason) --> before a ```c block: compiled and linked, not run
  <!-- doctest: output -->               before a ``` block: the output of the last run block
                                         even when other blocks stand between them
  <!-- doctest: not-output (reason) -->  before a ``` block: not an output (an excerpt shown
                                         for reading, e.g. an edited script)

Without --slow, blocks marked slow are left out; with --slow only they run: a slow block must
not need the files of the page's other blocks.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

FENCE = re.compile(r'^(\s*)```\s*([A-Za-z+]*)\s*$')
DIRECTIVE = re.compile(r'<!--\s*doctest:\s*(.*?)\s*-->')
NUMBER = re.compile(r'[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?')
VOLATILE = ('# revision:', '# date:', '# threads:')
TIMEOUT = 600


class Block:
    def __init__(self, path, line, lang, text, directives):
        self.path, self.line, self.lang, self.text = path, line, lang, text
        self.skip = None
        self.slow = False
        self.exit = 0
        self.tolerance = 0.0
        self.file = None
        self.output = False
        self.not_output = False
        self.compile_only = False
        for d in directives:
            for part in split_directives(d):
                self.apply(part)

    def apply(self, d):
        if d.startswith('skip'):
            reason = d[4:].strip()
            if not reason:
                raise SystemExit(f'{self.where()}: "doctest: skip" needs a reason')
            self.skip = reason
        elif d == 'slow':
            self.slow = True
        elif d.startswith('exit'):
            self.exit = int(d[4:])
        elif d.startswith('tolerance'):
            self.tolerance = float(d[9:])
        elif d.startswith('file'):
            self.file = d[4:].strip()
        elif d.startswith('compile-only'):
            self.compile_only = True
        elif d == 'output':
            self.output = True
        elif d.startswith('not-output'):
            self.not_output = True
        else:
            raise SystemExit(f'{self.where()}: unknown doctest directive "{d}"')

    def where(self):
        return f'{self.path}:{self.line}'


def split_directives(d):
    """'slow, tolerance 1e-6' -> ['slow', 'tolerance 1e-6']; a skip reason keeps its commas."""
    out = []
    for part in re.split(r',\s*(?![^()]*\))', d):
        if part.strip():
            out.append(part.strip())
    return out


def parse(path):
    blocks, directives = [], []
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            directives += DIRECTIVE.findall(lines[i])
            i += 1
            continue
        indent, lang = m.group(1), m.group(2).lower()
        start = i + 1
        body = []
        i += 1
        while i < len(lines) and not FENCE.match(lines[i]):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        blocks.append(Block(path, start, lang, '\n'.join(body) + '\n', directives))
        directives = []
        i += 1
    return blocks


# ---------------------------------------------------------------- comparison

def quantum(s):
    """Half the unit of the last printed digit of s, or 0 for an exact (integer) number."""
    mant, _, exp = s.lower().partition('e')
    if '.' not in mant:
        return 0.0 if not exp else 0.5 * 10.0 ** int(exp)
    decimals = len(mant.split('.')[1])
    return 0.5 * 10.0 ** ((int(exp) if exp else 0) - decimals)


def number_match(shown, actual, tol):
    if shown == actual:
        return True
    try:
        s, a = float(shown), float(actual)
    except ValueError:
        return False
    q = quantum(shown)
    # a value printed with fewer digits than shown must agree with the shown one exactly
    if quantum(actual) > q and q > 0:
        q = 0.0
    return abs(a - s) <= q * (1 + 1e-9) + tol * abs(s)


def tokens(line):
    out, pos = [], 0
    for m in NUMBER.finditer(line):
        # a digit run glued to letters is part of a word (log2, e1, S13), not a number
        if m.start() > 0 and (line[m.start() - 1].isalpha() or line[m.start() - 1] == '_'):
            continue
        out.append(('t', ' '.join(line[pos:m.start()].split())))
        out.append(('n', m.group(0)))
        pos = m.end()
    out.append(('t', ' '.join(line[pos:].split())))
    return out


def line_match(shown, actual, tol):
    for key in VOLATILE:
        if shown.startswith(key):
            return actual.startswith(key)
    prefix = shown.endswith('...') or shown.endswith('…')
    if prefix:
        shown = shown.rstrip('.…').rstrip()
    a, b = tokens(shown), tokens(actual)
    if prefix and len(b) >= len(a):
        # a shown line ending in '...' is the beginning of the actual line
        if not b[len(a) - 1][1].startswith(a[-1][1]):
            return False
        a, b = a[:-1], b[:len(a) - 1]
    if len(a) != len(b):
        return False
    for (ka, va), (kb, vb) in zip(a, b):
        if ka != kb:
            return False
        if ka == 't' and va != vb:
            return False
        if ka == 'n' and not number_match(va, vb, tol):
            return False
    return True


def compare(shown_text, streams, tol):
    """Each shown line must match a line of one of the streams, in order within that stream.
    Returns a list of error strings."""
    cursors = [0] * len(streams)
    errors = []
    for shown in shown_text.split('\n'):
        s = shown.rstrip()
        if not s.strip() or s.strip() in ('...', '…'):
            continue
        found = False
        for k, lines in enumerate(streams):
            for j in range(cursors[k], len(lines)):
                if line_match(s, lines[j].rstrip(), tol):
                    cursors[k] = j + 1
                    found = True
                    break
            if found:
                break
        if not found:
            near = closest(s, streams)
            errors.append(f'  shown:  {s}\n  actual: {near}' if near else f'  shown:  {s}\n  (no such line)')
            if near is not None and UPDATES is not None:
                UPDATES.append((s, near))
    return errors


UPDATES = None   # with --update: (shown, actual) pairs to write back into the page


def closest(s, streams):
    """The actual line that shares the most leading text with s (for the message)."""
    best, score = None, -1
    key = s.split(',')[0].split()[0] if s.split() else s
    for lines in streams:
        for line in lines:
            if line.startswith(s[:max(1, len(key))]):
                n = len(os.path.commonprefix([s, line]))
                if n > score:
                    best, score = line.rstrip(), n
    return best


# ---------------------------------------------------------------- running

class Page:
    def __init__(self, path, args):
        self.path = path
        self.args = args
        self.dir = tempfile.mkdtemp(prefix='doctest-' + os.path.basename(path)[:-3] + '-')
        for name in ('data', 'include', 'src', 'validation', 'tests'):
            os.symlink(os.path.join(args.root, name), os.path.join(self.dir, name))
        os.symlink(args.build, os.path.join(self.dir, 'build'))
        self.env = dict(os.environ)
        self.env['PATH'] = os.path.dirname(os.path.abspath(args.deqnn)) + os.pathsep + self.env['PATH']
        self.env.pop('DEQNN_PROGRESS', None)
        self.ran = 0
        self.compared = 0
        self.failures = []

    def fail(self, block, msg):
        self.failures.append(f'{block.where()}: {msg}')

    def sh(self, script, timeout=TIMEOUT):
        """Run a bash script; record the status of every failing simple command."""
        trap = ('set -o errtrace\n'
                "trap 'echo \"$LINENO $?\" >> .doctest_status' ERR\n")
        status_file = os.path.join(self.dir, '.doctest_status')
        if os.path.exists(status_file):
            os.remove(status_file)
        try:
            p = subprocess.run(['bash', '-c', trap + script], cwd=self.dir, env=self.env,
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               errors='replace', timeout=timeout)
        except subprocess.TimeoutExpired:
            return '', f'doctest: timed out after {timeout} s', [(0, 124)]
        fails = []
        if os.path.exists(status_file):
            for line in open(status_file):
                ln, st = line.split()
                fails.append((int(ln) - 2, int(st)))
            os.remove(status_file)
        if p.returncode != 0 and not any(st == p.returncode for _, st in fails):
            fails.append((0, p.returncode))     # a failure inside a && list escapes the trap
        return p.stdout, p.stderr, fails

    def check_status(self, block, fails, out, err):
        if block.exit == 0 and fails:
            ln, st = fails[0]
            self.fail(block, f'a command (script line {ln}) exited {st}:\n{tail(out, err)}')
        elif block.exit != 0:
            if not fails:
                self.fail(block, f'expected a command to exit {block.exit}, all exited 0')
            for ln, st in fails:
                if st != block.exit:
                    self.fail(block, f'a command (script line {ln}) exited {st}, expected {block.exit}:\n'
                              f'{tail(out, err)}')

    def run_sh(self, block):
        out, err, fails = self.sh(block.text)
        self.check_status(block, fails, out, err)
        self.ran += count_commands(block.text)
        return out, err

    def run_transcript(self, block, compare_output):
        parts = re.split(r'^\$ ', block.text, flags=re.M)
        for part in parts[1:]:
            cmd, _, shown = part.partition('\n')
            out, err, fails = self.sh(cmd)
            self.ran += 1
            self.check_status(block, fails, out, err)
            if compare_output:
                self.expect(block, shown, out, err, cmd)

    def expect(self, block, shown, out, err, what):
        errors = compare(shown, [out.split('\n'), err.split('\n')], block.tolerance)
        self.compared += 1
        if errors:
            self.fail(block, f'output of {what.strip()[:80]!r} differs from the shown output:\n'
                      + '\n'.join(errors[:8]) + ('\n  ...' if len(errors) > 8 else ''))

    def compile_c(self, block):
        cxx = block.lang in ('cpp', 'c++', 'cxx')
        src = os.path.join(self.dir, '.example.' + ('cpp' if cxx else 'c'))
        exe = os.path.join(self.dir, '.example')
        has_main = re.search(r'\bint\s+main\s*\(', block.text) is not None
        headers = ''.join(f'#include <deqnn/{h}>\n' for h in sorted(os.listdir(
            os.path.join(self.args.root, 'include', 'deqnn'))) if h.endswith('.h'))
        std = '#include <stdio.h>\n#include <stdlib.h>\n#include <stdint.h>\n#include <string.h>\n'
        if has_main:
            variants = [('program', block.text)]
        else:
            body = block.text
            incl = ''.join(l + '\n' for l in body.split('\n') if l.startswith('#'))
            rest = '\n'.join(l for l in body.split('\n') if not l.startswith('#'))
            variants = [('declarations', std + headers + body + '\nint main(void) { return 0; }\n'),
                        ('fragment', std + headers + incl +
                         'int main(void)\n{\n' + rest + '\n  return 0;\n}\n')]
        messages = []
        for kind, text in variants:
            open(src, 'w').write(text)
            cmd = [os.environ.get('CXX', 'c++') if cxx else os.environ.get('CC', 'cc'),
                   '-std=c++17' if cxx else '-std=c11', '-O1', '-Wall', '-Werror=implicit-function-declaration',
                   '-I', os.path.join(self.args.root, 'include'),
                   '-I', os.path.join(self.args.build, 'include'), '-fopenmp', src,
                   os.path.join(self.args.build, 'src', 'libdeqnn.a')] + \
                pkg_libs() + ['-lm', '-o', exe]
            p = subprocess.run(cmd, cwd=self.dir, capture_output=True, text=True, errors='replace')
            if p.returncode != 0:
                messages.append(f'as {kind}:\n' + p.stderr[-3000:])
                continue
            if block.compile_only:
                self.ran += 1
                return '', ''
            r = subprocess.run([exe], cwd=self.dir, env=self.env, capture_output=True, text=True, errors='replace',
                               timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            self.ran += 1
            if r.returncode != 0:
                self.fail(block, f'the {kind} exited {r.returncode}:\n{tail(r.stdout, r.stderr)}')
            return r.stdout, r.stderr
        self.fail(block, 'does not compile\n' + '\n'.join(messages))
        return None

    def run(self, slow_mode):
        self.last = None        # (block, stdout, stderr) of the last run block
        self.prev_ran = False   # the previous block was run (its output may follow)
        for b in parse(self.path):
            t0 = time.time()
            self.run_block(b, slow_mode)
            if self.args.verbose and time.time() - t0 > 0.2:
                print(f'  {b.where()}: {time.time() - t0:.1f} s', flush=True)
        return self.failures

    def run_block(self, b, slow_mode):
        prev_ran, self.prev_ran = self.prev_ran, False
        if b.lang == 'python' and os.path.basename(self.path) == 'python.md':
            return                       # docs/python.md is run by the python suite
        if b.skip is not None or b.not_output:
            return
        is_transcript = b.lang == '' and re.match(r'\$ ', b.text) is not None
        is_output = b.lang == '' and not is_transcript
        writes_file = b.lang in ('c', 'cpp') and b.file
        if b.slow != slow_mode and not writes_file and not (is_output and not b.file):
            self.last = None
            return
        if b.lang in ('sh', 'bash', 'shell', 'console'):
            self.last = (b,) + self.run_sh(b)
            self.prev_ran = True
        elif b.lang in ('c', 'cpp', 'c++', 'cxx'):
            if b.file:
                open(os.path.join(self.dir, b.file), 'w').write(b.text)
                return
            r = self.compile_c(b)
            self.last = (b,) + r if r else None
            self.prev_ran = r is not None
        elif is_transcript:
            self.run_transcript(b, True)
        elif is_output and b.file:
            path = os.path.join(self.dir, b.file)
            if not os.path.exists(path):
                self.fail(b, f'no file {b.file} (made by an earlier block?)')
            else:
                text = open(path, encoding='utf-8', errors='replace').read()
                self.expect(b, b.text, text, '', b.file)
        elif is_output and (prev_ran or b.output) and self.last is not None:
            src, out, err = self.last
            b.tolerance = b.tolerance or src.tolerance
            self.expect(b, b.text, out, err, f'block at line {src.line}')


_PKG = None


def pkg_libs():
    global _PKG
    if _PKG is None:
        p = subprocess.run(['pkg-config', '--libs', 'lapacke', 'openblas', 'gsl', 'zlib'],
                           capture_output=True, text=True)
        _PKG = p.stdout.split()
    return _PKG


def count_commands(script):
    """Commands of a script: its lines that do not continue a previous one and are not comments."""
    n, cont = 0, False
    for line in script.split('\n'):
        s = line.strip()
        if s and not s.startswith('#') and not cont:
            n += 1
        cont = s.endswith('\\') or s.count("'") % 2 == 1 and not cont
    return n


def tail(out, err):
    t = (out[-1500:] + '\n' + err[-1500:]).strip()
    return '    ' + t.replace('\n', '\n    ')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--deqnn', required=True)
    ap.add_argument('--root', required=True)
    ap.add_argument('--build', required=True)
    ap.add_argument('--slow', action='store_true')
    ap.add_argument('--verbose', action='store_true', help='time each block')
    ap.add_argument('--update', action='store_true',
                    help='replace each shown line that differs by the nearest actual line (review the diff!)')
    ap.add_argument('--keep', action='store_true', help='keep the scratch directories')
    ap.add_argument('files', nargs='+')
    args = ap.parse_args()
    args.deqnn = os.path.abspath(args.deqnn)
    args.root = os.path.abspath(args.root)
    args.build = os.path.abspath(args.build)
    failures, ran, compared = [], 0, 0
    for f in args.files:
        path = f if os.path.isabs(f) else os.path.join(args.root, f)
        page = Page(path, args)
        global UPDATES
        UPDATES = [] if args.update else None
        try:
            failures += page.run(args.slow)
            if UPDATES:
                text = open(path, encoding='utf-8').read()
                for shown, actual in UPDATES:
                    text = text.replace(shown, actual, 1)
                open(path, 'w', encoding='utf-8').write(text)
                print(f'{f}: {len(UPDATES)} shown line(s) replaced by the actual ones')
        finally:
            if not args.keep:
                shutil.rmtree(page.dir, ignore_errors=True)
            else:
                print(f'{f}: scratch directory {page.dir}')
        ran += page.ran
        compared += page.compared
        print(f'{f}: {page.ran} commands/examples run, {page.compared} outputs compared, '
              f'{len(page.failures)} failure(s)')
    for msg in failures:
        print('FAIL ' + msg, file=sys.stderr)
    print(f'total: {ran} run, {compared} compared, {len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
