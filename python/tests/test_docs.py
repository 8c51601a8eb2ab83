"""docs/python.md runs as written: its ```python blocks are executed in order, in one
namespace, in a temporary directory, and what each prints must equal the plain ``` block that
follows it (when there is one).  `python3 python/tests/test_docs.py --update` rewrites those
output blocks from a real run (then review the diff)."""
import contextlib
import io
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import deqnn  # noqa: E402,F401  (before numpy: OpenBLAS's kernels as the CLI's)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DEQNN_EXE", os.path.join(ROOT, "build", "src", "deqnn"))
DOC = os.path.join(ROOT, "docs", "python.md")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def blocks(text):
    """[(code, expected output or None, span of the output block or None)]"""
    found = [(m.group(1), m.group(2), m.span()) for m in FENCE.finditer(text)]
    out = []
    for i, (lang, body, span) in enumerate(found):
        if lang != "python":
            continue
        nxt = found[i + 1] if i + 1 < len(found) else None
        gap = text[span[1]:nxt[2][0]] if nxt else ""
        if nxt and nxt[0] == "" and gap.strip() == "":
            out.append((body, nxt[1], nxt[2]))
        else:
            out.append((body, None, None))
    return out


def run(text, where=None):
    """Run every block (in `where`, else a temporary directory); return [(expected, got,
    span, files)]."""
    import matplotlib
    matplotlib.use("Agg")
    ns = {"__name__": "__doc__"}
    results = []
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        d = where or tmp
        os.chdir(d)
        try:
            for code, expected, span in blocks(text):
                buf = io.StringIO()
                with contextlib.redirect_stdout(buf):
                    exec(compile(code, DOC, "exec"), ns)
                results.append((expected, buf.getvalue(), span, sorted(os.listdir(d))))
        finally:
            os.chdir(cwd)
    return results


def test_python_md_runs_as_written():
    text = open(DOC).read()
    results = run(text)
    assert len(results) >= 6
    for expected, got, _, _ in results:
        if expected is not None:
            assert got.rstrip() == expected.rstrip(), "\n--- docs/python.md shows:\n%s\n--- a run prints:\n%s" % (expected, got)
    assert any(f.startswith("python_") and f.endswith(".png") for f in results[-1][3])


if __name__ == "__main__" and "--update" in sys.argv:
    text = open(DOC).read()
    results = run(text, os.path.join(ROOT, "docs", "img"))   # the figures land there
    for expected, got, span, files in reversed(results):
        if span is not None:
            text = text[:span[0]] + "```\n" + got.rstrip() + "\n```\n" + text[span[1]:]
    open(DOC, "w").write(text)
    print("updated", DOC)
