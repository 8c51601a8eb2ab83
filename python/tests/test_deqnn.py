"""Tests of the Python package (pytest; run by meson: tests/test_python.sh, suite python).

The package holds no formula: these tests check that it returns exactly what the CLI writes
(every command, theory and simulation), that bad input is a ValueError naming the parameter,
that every output kind reads with pandas, numpy and deqnn.load, and that the binding mirrors
no C struct."""
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import deqnn  # noqa: E402  (before numpy: it sets OpenBLAS's kernels as the CLI does)
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEQNN = os.environ.get("DEQNN_EXE", os.path.join(ROOT, "build", "src", "deqnn"))
BLOBS = os.path.join(ROOT, "data", "blobs_200.csv")


def cli(args, out, check=True):
    """Run the executable with --out; its table (and summary) through deqnn.load."""
    r = subprocess.run([DEQNN] + args + ["--out", out], capture_output=True, text=True)
    if check:
        assert r.returncode in (0, 1), (args, r.stderr)
    return deqnn.load(out)


def same(a, b, what=""):
    """Two tables equal to the last bit: columns, numbers, text."""
    assert a.columns == b.columns, what
    assert len(a) == len(b), what
    for c in a.columns:
        if a.data.dtype[c].kind == "f":
            assert np.array_equal(a[c], b[c], equal_nan=True), (what, c)
        else:
            assert list(a[c]) == list(b[c]), (what, c)


# Every command (and variant): the Python options, the CLI's.
X = np.linspace(0.05, 6, 13)
XS = ",".join(repr(float(v)) for v in X)
LAMS = np.logspace(-3, 1, 7)
LS = ",".join(repr(float(v)) for v in LAMS)
CASES = [
    ("mp", dict(ratio=0.37, x=X), ["--ratio", "0.37", "--x", XS]),
    ("mp-stats", dict(ratio=2.385, stats=[0.1, 1.0]), ["--ratio", "2.385", "--stats", "0.1,1.0"]),
    ("ck", dict(act="relu", ratios=[1.5, 2.385], x=X), ["--act", "relu", "--ratios", "1.5,2.385", "--x", XS]),
    ("ck-stats", dict(ratios=[0.5, 0.8, 1.2], stats=[0.05, 2.0]), ["--ratios", "0.5,0.8,1.2", "--stats", "0.05,2.0"]),
    ("ntk", dict(act="erf", ratios=[0.7, 1.3], x="0:8:11"), ["--act", "erf", "--ratios", "0.7,1.3", "--x", "0:8:11"]),
    ("ck-input", dict(act="relu", input=BLOBS, ratios=[1.5], x="0:5:9"),
     ["--act", "relu", "--input", BLOBS, "--ratios", "1.5", "--x", "0:5:9"]),
    ("ck-input-deep", dict(act="tanh", input=BLOBS, ratios=[1.2, 0.8], stats=[0.05, 0.5]),
     ["--act", "tanh", "--input", BLOBS, "--ratios", "1.2,0.8", "--stats", "0.05,0.5"]),
    ("ntk-input", dict(act="relu", input=BLOBS, ratios=[1.2], stats=[0.05, 2.0]),
     ["--act", "relu", "--input", BLOBS, "--ratios", "1.2", "--stats", "0.05,2.0"]),
    ("rf", dict(lam=LAMS, noise=0.1, width_ratio=1.3), ["--lambda", LS, "--noise", "0.1", "--width-ratio", "1.3"]),
    ("onestep", dict(eta="0:3:4", batch_ratio=2.1), ["--eta", "0:3:4", "--batch-ratio", "2.1"]),
    ("onestep-large", dict(large=True, eta=1.5, batch_ratio=8), ["--large", "--eta", "1.5", "--batch-ratio", "8"]),
    ("spiked", dict(spike=[0.5, 2], lam=0.1), ["--spike", "0.5,2", "--lambda", "0.1"]),
    ("spiked-density", dict(x="0.1:3:7"), ["--x", "0.1:3:7"]),
    ("spiked-stats", dict(stats=[0.5, 2]), ["--stats", "0.5,2"]),
    ("train", dict(steps=2, n=40, seeds=2, n_test=100, record=[0, 2]),
     ["--steps", "2", "--n", "40", "--seeds", "2", "--n-test", "100", "--record", "0,2"]),
]


@pytest.mark.parametrize("name,opts,args", CASES, ids=[c[0] for c in CASES])
def test_every_command_is_the_cli(name, opts, args, tmp_path):
    cmd = name.split("-")[0]
    t = deqnn.table(cmd, **opts)
    ref = cli([cmd] + args, str(tmp_path / "t.csv"))
    same(t, ref, name)
    assert ref.meta["command"].startswith(t.meta["command"] + " --out ")
    assert t.meta["kind"] == ref.meta["kind"]
    if t.summary is not None:   # train: the summary beside --out
        same(t.summary, deqnn.load(str(tmp_path / "t.csv.summary.csv")), name + " summary")
    # a solver flag is never a silent NaN: a row with a non-finite number is flagged
    if "status" in t.columns:
        num = [c for c in t.columns if t.data.dtype[c].kind == "f"]
        bad = ~np.all(np.isfinite(np.stack([t[c] for c in num])), axis=0)
        assert np.all(t["status"][bad] != "ok"), name


def test_blas_kernels_are_the_cli():
    assert deqnn.blas_mismatch() is None


def test_face_functions_are_the_cli(tmp_path):
    """The library-function face returns the CLI's numbers, reshaped."""
    ref = cli(["rf", "--lambda", LS, "--noise", "0.1", "--width-ratio", "1.3"], str(tmp_path / "a.csv"))
    r = deqnn.rf(lam=LAMS[::-1].reshape(7, 1), noise=0.1, width_ratio=1.3)
    assert r.shape == (7, 1)
    for col, err in (("risk", "err"), ("train_error", "train_error_err"), ("bias", "bias_err"),
                     ("variance", "variance_err")):
        q = getattr(r, col)
        assert np.array_equal(q.value[::-1, 0], ref[col]) and np.array_equal(q.err[::-1, 0], ref[err])
        assert list(q.status[::-1, 0]) == list(ref["status"])
    # two parameters broadcast: one CLI list per value of the other
    g = deqnn.rf(lam=LAMS, noise=np.array([[0.1], [0.3]]), width_ratio=1.3)
    assert g.shape == (2, 7) and np.array_equal(g.risk.value[0], ref["risk"])
    assert np.array_equal(deqnn.column("rf", "risk", lam=LAMS, noise=np.array([[0.1], [0.3]]),
                                       width_ratio=1.3), g.risk.value)
    one = deqnn.rf(lam=LAMS[2], noise=0.3, width_ratio=1.3)
    assert one.shape == () and one.risk.value == g.risk.value[1, 2]
    # spectra: density at any x (any order), resolvent traces and moments
    ck = cli(["ck", "--act", "relu", "--ratios", "1.5,2.385", "--x", XS], str(tmp_path / "b.csv"))
    d = deqnn.ck(X[::-1], act="relu", ratios=[1.5, 2.385])
    assert np.array_equal(d.value[::-1], ck["density"]) and np.array_equal(d.err[::-1], ck["err"])
    st = cli(["ck", "--ratios", "0.5,0.8,1.2", "--stats", "0.05,2.0"], str(tmp_path / "c.csv"))
    res = deqnn.resolvent("ck", np.array([[2.0], [0.05]]), ratios=[0.5, 0.8, 1.2])
    assert res.shape == (2, 1)
    assert res.value[1, 0] == st["theory"][2] and res.value[0, 0] == st["theory"][3]
    mom = deqnn.moments("ck", ratios=[0.5, 0.8, 1.2])
    assert mom["trK2/n"].value == st["theory"][1] and mom["atom"].value == st["theory"][4]
    many = deqnn.resolvent("mp", np.linspace(0.1, 4, 40), ratio=0.5)   # > 16: several runs
    assert many.shape == (40,) and np.all(many.ok) and np.all(np.diff(many.value) < 0)
    mpd = deqnn.mp([0.5, 1.0], ratio=0.5)
    assert mpd.value[0] == cli(["mp", "--ratio", "0.5", "--x", "0.5,1.0"], str(tmp_path / "d.csv"))["density"][0]
    o = deqnn.onestep(eta=[0.0, 2.5])
    assert np.allclose(o.align_grad, o.align_grad[0]) and o.kernel_limit.shape == (2,)
    s = deqnn.spiked(spike=[0.5, 1.0], lam=0.1)
    assert s.test_error.value.shape == (2,) and np.all(s.test_error.ok)


def test_law_and_cdf(tmp_path):
    """Edges and atoms of the limit law, its CDF: the CLI's default grid is the support +-5 %;
    MP's edges (1 +- sqrt(gamma))^2 and atom 1 - 1/gamma; the CDF jumps by the atom."""
    g = 2.385
    law = deqnn.law("mp", ratio=g)
    assert np.allclose(law["edges"], [[(1 - g ** 0.5) ** 2, (1 + g ** 0.5) ** 2]], rtol=1e-6)
    assert np.allclose(law["mass"].value, [1 - 1 / g], rtol=1e-12) and np.all(law["mass"].ok)
    grid = cli(["ck", "--act", "tanh"], str(tmp_path / "g.csv"))["x"]
    lo, hi = deqnn.law("ck", act="tanh")["edges"][0]
    assert np.allclose([grid[0], grid[-1]], [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)], rtol=1e-13)
    F = deqnn.cdf("mp", np.array([7.0, -1.0, 0.0, 1.0, 3.0]), ratio=g)
    assert F.value[1] == 0 and abs(F.value[0] - 1) < 1e-4 and np.all(F.ok)
    assert abs(F.value[2] - (1 - 1 / g)) < 1e-9 and F.value[2] < F.value[3] < F.value[4]


def test_stieltjes_at_complex_z():
    """m(z) at complex z: Im m > 0 above the axis, m(conj z) = conj m(z), m(-lam) = the CLI's
    resolvent trace, MP's closed form; bad points and options are ValueErrors."""
    z = np.array([[0.3 + 0.2j, 2.0 + 1e-3j], [-0.5 + 0j, 5.0 - 0.4j]])
    m = deqnn.stieltjes("ck", z, act="tanh")
    assert m.shape == (2, 2) and np.all(m.ok)
    assert m.value[0, 0].imag > 0 and m.value[0, 1].imag > 0 and m.value[1, 1].imag < 0
    assert np.allclose(deqnn.stieltjes("ck", np.conj(z), act="tanh").value, np.conj(m.value), rtol=1e-12)
    assert abs(m.value[1, 0] - deqnn.resolvent("ck", 0.5, act="tanh").value) <= 2 * m.err[1, 0]
    g, w = 2.385, 1.3 + 0.7j   # MP with ratio g: g w m^2 + (w + g - 1) m + 1 = 0
    mp = deqnn.stieltjes("mp", [w], ratio=g).value[0]
    assert abs(g * w * mp ** 2 + (w + g - 1) * mp + 1) < 1e-13
    for bad, param in ((dict(z=[np.nan]), "z"), (dict(z=[1j], act="bogus"), "act"),
                       (dict(z=[1j], ratios=[]), "ratios")):
        with pytest.raises(ValueError) as e:
            deqnn.stieltjes("ck", **bad)
        assert e.value.parameter == param


def test_simulation_is_the_cli(tmp_path):
    """Same seed, same numbers as the CLI; per-seed arrays that make the summary; any thread
    count."""
    ck_args = ["--ratios", "1.2,0.8", "--x", "0:4:9", "--n", "120", "--seeds", "3", "--seed", "7"]
    ref = cli(["ck", "--simulate"] + ck_args, str(tmp_path / "ck.csv"))
    refs = deqnn.load(str(tmp_path / "ck.csv.summary.csv"))
    t = deqnn.simulate("ck", ratios=[1.2, 0.8], x="0:4:9", n=120, seeds=3, seed=7)
    same(t, ref, "ck --simulate")
    same(t.summary, refs, "ck --simulate summary")
    ev = t.eigenvalue_matrix()
    assert ev.shape == (3, 120) and np.all(np.diff(ev, axis=1) >= 0)
    trk = t.per_seed("trK/n")[0]
    assert np.allclose(trk, ev.mean(axis=1), rtol=1e-13)                 # the eigenvalues' mean
    assert np.allclose(trk.mean(), refs["sim_mean"][0], rtol=1e-14)      # the summary's mean
    res = t.per_seed("res(0.5)")[0]
    assert np.allclose(res, (1 / (ev + 0.5)).mean(axis=1), rtol=1e-12)
    rf_args = ["--lambda", "0.05,0.5", "--d", "80", "--seeds", "3", "--seed", "5", "--n-test", "400"]
    rref = cli(["onestep", "--simulate"] + rf_args, str(tmp_path / "os.csv"))
    old = os.environ.get("DEQNN_THREADS")
    try:
        os.environ["DEQNN_THREADS"] = "1"
        r1 = deqnn.simulate("onestep", lam=[0.05, 0.5], d=80, seeds=3, seed=5, n_test=400)
        os.environ["DEQNN_THREADS"] = "2"
        r2 = deqnn.simulate("onestep", lam=[0.05, 0.5], d=80, seeds=3, seed=5, n_test=400)
    finally:
        os.environ.pop("DEQNN_THREADS") if old is None else os.environ.update(DEQNN_THREADS=old)
    same(r1, rref, "onestep --simulate")
    same(r2, rref, "onestep --simulate, 2 threads")
    risk = r1.per_seed("risk")
    assert risk.shape == (2, 3) and np.array_equal(risk, r2.per_seed("risk"))
    assert np.allclose(risk.mean(axis=1), rref["sim_risk"], rtol=1e-14)
    assert np.allclose(r1.per_seed("align_w1").mean(axis=1), rref["sim_align_w1"], rtol=1e-14)
    # onestep --large and spiked: their per-seed errors make the CLI's means
    for cmd, opts, args, col, simcol in (
            ("onestep", dict(large=True, eta=[0, 1.5], batch_ratio=8, d=60, seeds=3, n_test=200),
             ["--large", "--eta", "0,1.5", "--batch-ratio", "8", "--d", "60", "--seeds", "3",
              "--n-test", "200"], "risk", "sim_risk"),
            ("spiked", dict(spike=[0.5, 1.5], d=60, seeds=3, n_test=200),
             ["--spike", "0.5,1.5", "--d", "60", "--seeds", "3", "--n-test", "200"],
             "test_error", "sim_test_error")):
        got = deqnn.simulate(cmd, **opts)
        ref = cli([cmd, "--simulate"] + args, str(tmp_path / (cmd + ".csv")))
        same(got, ref, cmd + " --simulate")
        assert np.allclose(got.per_seed(col).mean(axis=1), ref[simcol], rtol=1e-14)


# The bad-input list (docs/guide.md section 8): each a ValueError led by the parameter's
# Python spelling, taken from the CLI's message.
BAD = [
    ("rf", dict(lam=float("nan")), "lam"),                 # NaN
    ("rf", dict(noise=float("inf")), "noise"),              # inf
    ("rf", dict(lam=-float("inf")), "lam"),                 # -inf
    ("rf", dict(lam=-1), "lam"),                            # negative where >= 0
    ("spiked", dict(lam=0), "lam"),                         # zero where > 0
    ("mp", dict(ratio=0), "ratio"),                         # zero ratio
    ("rf", dict(width_ratio=1e9), "width_ratio"),           # out of range (too large)
    ("spiked", dict(alignment=2), "alignment"),             # out of [0, 1]
    ("onestep", dict(eta=-0.5), "eta"),                     # negative step
    ("rf", dict(lam=[0.1, float("nan")]), "lam"),           # NaN inside a list
    ("rf", dict(lam=[0.5, 0.1]), "lam"),                    # a list not increasing
    ("ck", dict(x="3:1:5"), "x"),                           # reversed grid
    ("ck", dict(x="0:1:0"), "x"),                           # empty grid
    ("ck", dict(x=[]), "x"),                                # empty list
    ("ck", dict(ratios=[]), "ratios"),                      # empty ratios
    ("ck", dict(ratios=list(range(1, 21))), "ratios"),      # wrong list length (too many)
    ("onestep", dict(large=True, readout_support=[1, 2], readout_weights=[1]),
     "readout_weights"),                                    # lists of different lengths
    ("rf", dict(teacher="poly:1,2,3,4,5"), "teacher"),      # too many coefficients
    ("ck", dict(act="bogus"), "act"),                       # unknown activation
    ("rf", dict(act="poly:1,x"), "act"),                    # malformed coefficient
    ("ck", dict(foo=1), "foo"),                             # unknown option
    ("rf", dict(eta=1.0), "eta"),                           # an option of another command
    ("rf", dict(lam="abc"), "lam"),                         # not a number
    ("ck", dict(n=1, simulate=True), "n"),                  # integer out of range
    ("ck", dict(n=2.5, simulate=True), "n"),                # not an integer
    ("rf", dict(seeds=1, simulate=True), "seeds"),          # too few seeds
    ("train", dict(record=[99]), "record"),                 # step beyond --steps
    ("ck", dict(stats=[0]), "stats"),                       # resolvent at lambda 0
    ("ck", dict(stats=list(np.linspace(0.1, 2, 17))), "stats"),   # more than 16 lambdas
    ("rf", dict(lam="0:1:3", noise="1:2:3"), "noise"),      # two grids
    ("ck", dict(input="/nonexistent.csv", ratios=[1.5]), "input"),        # unreadable input file
    ("ck", dict(n=10 ** 5, seeds=2, simulate=True, ratios=[0.001, 1]), "n"),   # does not fit in memory
    ("mp", dict(out="x.csv"), "out"),                       # the package writes no file
]


@pytest.mark.parametrize("cmd,opts,param", BAD, ids=["%s-%s-%d" % (b[0], b[2], i) for i, b in enumerate(BAD)])
def test_bad_input_names_the_parameter(cmd, opts, param):
    with pytest.raises(ValueError) as e:
        deqnn.table(cmd, **opts)
    assert isinstance(e.value, deqnn.DeqnnError)
    assert str(e.value).startswith(param + ": "), str(e.value)
    if param != "out":
        assert e.value.parameter == param
    with pytest.raises(ValueError):
        deqnn.table("bogus")


def test_nothing_printed():
    """Bad input, a simulation, a failed run: nothing on stdout or stderr (a terminal, where
    the CLI would draw progress), the messages in the Table or the exception."""
    code = ("import sys; sys.path.insert(0, %r); import deqnn\n"
            "for o in ({'lam': -1}, {'act': 'bogus'}, {'foo': 1}):\n"
            "    try: deqnn.table('rf', **o)\n"
            "    except ValueError: pass\n"
            "t = deqnn.simulate('ck', ratios=[1.2, 0.8], x='0:4:5', n=80, seeds=4)\n"
            "assert t.summary is not None\n" % os.path.join(ROOT, "python"))
    import pty
    master, slave = pty.openpty()
    r = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=slave,
                       env={**os.environ, "DEQNN_THREADS": "2"})
    os.close(slave)
    got = b""
    try:
        while True:
            import select
            if not select.select([master], [], [], 0.1)[0]:
                break
            got += os.read(master, 4096)
    except OSError:
        pass
    os.close(master)
    assert r.returncode == 0 and r.stdout == b"" and got == b"", (r.stdout, got)


def _every_kind(d):
    """One file per output kind, written by the executable into d."""
    runs = {
        "mp": ["mp", "--x", "0:3:5"], "ck": ["ck", "--x", "0:3:5"], "ntk": ["ntk", "--x", "0:3:5"],
        "ck-stats": ["ck", "--stats", "0.5"],
        "ck-sim": ["ck", "--x", "0:3:5", "--simulate", "--n", "60", "--seeds", "2"],
        "ck-input": ["ck", "--input", BLOBS, "--ratios", "1.5", "--x", "0:3:5"],
        "rf": ["rf"], "rf-sim": ["rf", "--simulate", "--d", "40", "--seeds", "2", "--n-test", "100"],
        "onestep": ["onestep"], "onestep-large": ["onestep", "--large", "--batch-ratio", "8"],
        "spiked": ["spiked"], "spiked-density": ["spiked", "--x", "0.1:3:5"],
        "spiked-stats": ["spiked", "--stats", "0.5"],
        "train": ["train", "--steps", "1", "--n", "40", "--seeds", "2", "--n-test", "100"],
    }
    files, procs = [], []
    for name, args in runs.items():   # two at a time
        out = os.path.join(d, name + ".csv")
        procs.append(subprocess.Popen([DEQNN] + args + ["--out", out], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, env={**os.environ, "DEQNN_THREADS": "1"}))
        files += [out, out + ".summary.csv"]
        if len(procs) == 2:
            procs.pop(0).wait()
    for p in procs:
        p.wait()
    return [f for f in files if os.path.exists(f)]


def test_every_kind_reads_with_pandas_numpy_and_load():
    import pandas
    with tempfile.TemporaryDirectory() as d:
        files = _every_kind(d)
        kinds = set()
        for f in files:
            t = deqnn.load(f)
            kinds.add(t.meta["kind"])
            p = pandas.read_csv(f, comment="#")
            # pandas' default float parser is off by up to ~1e-13 relative; round_trip is exact
            pr = pandas.read_csv(f, comment="#", float_precision="round_trip")
            a = np.genfromtxt(f, delimiter=",", names=True, dtype=None, encoding="utf-8",
                              deletechars="")
            assert list(p.columns) == t.columns, f
            assert list(a.dtype.names) == t.columns, f
            for c in t.columns:
                if t.data.dtype[c].kind == "f":
                    assert np.array_equal(pr[c].to_numpy(dtype=float), t[c], equal_nan=True), (f, c)
                    assert np.allclose(p[c].to_numpy(dtype=float), t[c], rtol=1e-12, atol=0,
                                       equal_nan=True), (f, c)
                    assert np.array_equal(np.atleast_1d(a[c]).astype(float), t[c], equal_nan=True), (f, c)
                else:
                    assert list(p[c]) == list(t[c]), (f, c)
    assert {"mp", "ck", "ntk", "rf", "onestep", "onestep-large", "spiked", "spiked-density",
            "spiked-stats", "train", "train-summary"} <= kinds, kinds


def test_load_every_reference():
    files = [f for f in sorted(glob.glob(os.path.join(ROOT, "data", "*.csv")))
             if "# command:" in open(f).read(4096)]   # not the input data sets
    assert len(files) > 20
    for f in files:
        t = deqnn.load(f)
        assert len(t) > 0 and "command" in t.meta and "kind" in t.meta, f
        a = np.genfromtxt(f, delimiter=",", names=True, dtype=None, encoding="utf-8",
                          deletechars="")
        assert list(a.dtype.names) == t.columns, f


def test_check_reads_old_and_new_layouts(tmp_path):
    new = str(tmp_path / "new.csv")
    subprocess.run([DEQNN, "rf", "--lambda", "0.01,0.1", "--out", new], check=True)
    lines = open(new).read().splitlines(True)
    comments = [ln for ln in lines if ln.startswith("#")]
    rest = [ln for ln in lines if not ln.startswith("#")]
    old = str(tmp_path / "old.csv")
    open(old, "w").write("".join(comments + rest))   # deqnn 0.1: the comments first
    assert open(old).readline().startswith("# command:")
    for f in (new, old):
        r = subprocess.run([DEQNN, "check", f], capture_output=True, text=True)
        assert r.returncode == 0, (f, r.stdout, r.stderr)
    same(deqnn.load(old), deqnn.load(new))


def _ctype_of(decl):
    """The ctypes class a C declaration ("const double *x", "size_t n") is passed as."""
    import ctypes
    decl = re.sub(r"\bconst\b", " ", decl)
    if "*" in decl:
        return "pointer"
    words = decl.split()
    base = words[0] if len(words) <= 2 else " ".join(words[:-1])
    return {"int": ctypes.c_int, "size_t": ctypes.c_size_t, "double": ctypes.c_double,
            "void": None}[base]


def _kind(t):
    import ctypes
    if t is None:
        return None
    if t in (ctypes.c_void_p, ctypes.c_char_p) or issubclass(t, ctypes._Pointer):
        return "pointer"
    return t


def test_no_struct_is_mirrored():
    """The binding holds pointers to opaque tables only: no ctypes.Structure, and every
    function it declares (deqnn._SIGNATURES) has the parameters and result of its prototype
    in include/deqnn/: count, and int / size_t / double / pointer each in its place."""
    pkg = os.path.dirname(deqnn.__file__)
    src = "".join(open(f).read() for f in glob.glob(os.path.join(pkg, "*.py")))
    assert "Structure" not in src and "Union" not in src and "_fields_" not in src
    headers = " ".join(open(f).read() for f in glob.glob(os.path.join(ROOT, "include", "deqnn", "*.h")))
    headers = re.sub(r"/\*.*?\*/", " ", headers, flags=re.S)
    assert len(deqnn._SIGNATURES) >= 16
    for name, (res, args) in deqnn._SIGNATURES.items():
        m = re.search(r"([\w\s\*]+?)\b%s\s*\(([^)]*)\)\s*;" % name, headers)
        assert m, name
        params = [q for q in m.group(2).split(",") if q.strip() and q.strip() != "void"]
        assert [_ctype_of(q) for q in params] == [_kind(a) for a in args], name
        ret = m.group(1).split()[-1] + ("*" if "*" in m.group(1) else "")
        assert _ctype_of(ret if "*" in ret else ret + " r") == _kind(res), name
    lib = deqnn._load_library()
    assert lib.names[:2] == ["table", "summary"] and "seeds" in lib.names


def test_installed_package(tmp_path):
    """meson install puts the package where python3 finds it; it finds the library."""
    build = os.path.dirname(os.path.dirname(deqnn.library_path()))
    if not os.path.exists(os.path.join(build, "build.ninja")):
        pytest.skip("not a meson build tree")
    r = subprocess.run(["meson", "install", "-C", build, "--destdir", str(tmp_path), "--no-rebuild",
                        "--quiet"], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("meson install: " + r.stderr[-200:])
    inits = glob.glob(str(tmp_path / "**" / "deqnn" / "__init__.py"), recursive=True)
    libs = glob.glob(str(tmp_path / "**" / "libdeqnn.so.0"), recursive=True)
    assert len(inits) == 1 and len(libs) == 1
    site = os.path.dirname(os.path.dirname(inits[0]))
    rel = os.path.relpath(site, str(tmp_path))
    assert ("/" + rel) in subprocess.run(
        ["/usr/bin/python3", "-c", "import sys; print(sys.path)"], capture_output=True,
        text=True).stdout or not os.path.exists("/usr/bin/python3")
    code = "import deqnn; print(deqnn.__file__); print(deqnn.rf(lam=0.1).risk.value)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(tmp_path),
                         env={**os.environ, "PYTHONPATH": site, "DEQNN_LIB": libs[0]})
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == inits[0]
    assert float(out.stdout.splitlines()[1]) == deqnn.rf(lam=0.1).risk.value
