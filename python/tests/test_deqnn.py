"""Tests of the Python package (run by meson: tests/test_python.sh; or pytest python/tests).

The package holds no formula: these tests check that it returns exactly what the CLI writes."""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import deqnn  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DEQNN = os.environ.get("DEQNN_EXE", os.path.join(ROOT, "build", "src", "deqnn"))


def test_table_is_the_cli_table():
    x = np.linspace(0.05, 7, 23)
    t = deqnn.table("ck", act="relu", ratios=[1.5, 2.385], x=x)
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "ck.csv")
        cmd = [DEQNN, "ck", "--act", "relu", "--ratios", "1.5,2.385", "--x",
               ",".join(repr(float(v)) for v in x), "--out", out]
        subprocess.run(cmd, check=True)
        ref = deqnn.load(out)
    assert ref.columns == t.columns
    for c in t.columns:
        if t.data.dtype[c].kind == "f":
            assert np.array_equal(t[c], ref[c]), c
        else:
            assert list(t[c]) == list(ref[c]), c
    assert t.meta["kind"] == "ck"
    assert t.meta["command"].startswith("deqnn ck --act relu --ratios 1.5,2.385 --x 0.05,")


def test_load_every_reference():
    files = [f for f in sorted(glob.glob(os.path.join(ROOT, "data", "*.csv")))
             if "# command:" in open(f).read(4096)]   # not the input data sets
    assert len(files) > 20
    for f in files:
        t = deqnn.load(f)
        assert len(t) > 0 and "command" in t.meta and "kind" in t.meta, f


def test_genfromtxt_reads_every_reference():
    # the researchers' idiom: the header is the first line, the provenance comments follow it
    files = [f for f in sorted(glob.glob(os.path.join(ROOT, "data", "*.csv")))
             if "# command:" in open(f).read(4096)]
    for f in files:
        a = np.genfromtxt(f, delimiter=",", names=True, dtype=None, encoding="utf-8")
        t = deqnn.load(f)
        assert list(a.dtype.names) == t.columns, f
        for c in t.columns:
            if t.data.dtype[c].kind == "f":
                assert np.array_equal(np.atleast_1d(a[c]).astype(float), t[c], equal_nan=True), (f, c)


def test_column_broadcasts():
    lams = np.array([[0.01, 0.1], [1.0, 0.1]])
    got = deqnn.column("rf", "risk", lam=lams, noise=0.1)
    assert got.shape == (2, 2)
    one = deqnn.table("rf", lam=[0.01, 0.1, 1.0], noise=0.1)["risk"]
    assert np.array_equal(got.ravel(), one[[0, 1, 2, 1]])
    two = deqnn.column("rf", "risk", lam=np.array([0.01, 0.1]), noise=np.array([0.1, 0.2]))
    assert two[0] == one[0]


def test_bad_input_names_the_option():
    try:
        deqnn.table("rf", lam=-1)
    except deqnn.DeqnnError as e:
        assert "--lambda" in str(e)
    else:
        raise AssertionError("no error")
    try:
        deqnn.table("mp", out="x.csv")
    except deqnn.DeqnnError as e:
        assert "--out" in str(e)
    else:
        raise AssertionError("no error")


def test_simulation_reproducible_and_writes_nothing():
    with tempfile.TemporaryDirectory() as d:
        cwd = os.getcwd()
        os.chdir(d)
        try:
            a = deqnn.table("ck", ratios=[1.2, 0.8], x="0:4:9", simulate=True, n=100, seeds=2)
            b = deqnn.table("ck", ratios=[1.2, 0.8], x="0:4:9", simulate=True, n=100, seeds=2)
            assert os.listdir(d) == []
        finally:
            os.chdir(cwd)
    assert a.exit_code in (0, 1) and a.summary is not None
    assert np.array_equal(a["sim_density"], b["sim_density"])
    assert "sim_verdict" in a.summary.columns


if __name__ == "__main__":
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            fn()
            print("ok", name)
