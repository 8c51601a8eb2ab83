#!/usr/bin/env python3
"""Seeded fuzzer of the deqnn command line (python3 standard library only).

Every run draws a command (mp, ck, ntk, rf, onestep, spiked, check) and random valid and invalid
values for its options (some as --name=value, some runs with --progress or --quiet), runs it
in a scratch directory and asserts:
  - the exit code is 0, 1 or 2, and no signal ended the process;
  - an exit-2 message names an option (--name) or the command;
  - exit 2 writes no file (validation comes before any work); --out as a symbolic link, a
    FIFO or a directory is refused (exit 2) and left as it was;
  - in a row whose status is ok: every number is finite, densities are >= 0, resolvent
    traces res(lambda) > 0 for lambda > 0, probabilities (atom, alignments, KS) in [0, 1],
    risks and their parts >= 0;
  - no temporary (*.tmp.*) is left in the output directory, no sanitizer report on stderr;
  - the CLI's safety net (the same contract, rows marked 'einternal'): when it fires the
    library has a bug to fix; the run is listed as LIBRARY BUG, and fails with --strict.
It ends with the line "N passed, N failed" and the distribution of exit codes.

Usage: fuzz_cli.py DEQNN [--runs N] [--seed S] [--simulate P] [--plot P] [--strict] [--verbose]
"""
import argparse
import csv
import io
import math
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import tempfile

TIMEOUT = 120          # seconds per run
COMMANDS = ["mp", "ck", "ntk", "rf", "onestep", "spiked", "train", "check"]
ACTS = ["linear", "relu", "tanh", "erf", "sigmoid", "softplus", "he2"]
BAD_NUMBERS = ["nan", "inf", "-inf", "", "abc", "1e400", "-1e400", "0x", "1,", ",1", "1e308",
               "-1e308", "1e-320", "-0", "1 ", " 1", "--", "1e999999", "0.5.5"]
SPECIAL_OUTPUTS = ["link.csv", "fifo.csv", "dir.csv"]   # made by make_specials
# A data set for --input FILE (docs/data.md); its subsets keep the runs short.
DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "blobs_200.csv")
NONNEG_COLUMNS = ["risk", "train_error", "bias", "variance", "rf_risk", "best_linear",
                  "linear_ridge_opt", "kernel_limit", "density", "sim_density"]
PROB_COLUMNS = ["align_grad", "align_w1"]


class Fuzzer:
    def __init__(self, rng, simulate, plot):
        self.rng, self.simulate, self.plot = rng, simulate, plot
        self.simulating = False

    def chance(self, p):
        return self.rng.random() < p

    def number(self, lo, hi, log=False, bad=0.05):
        """A number in [lo, hi] (log-uniform with log), or with probability bad a bad one."""
        r = self.rng
        if r.random() < bad:
            return r.choice(BAD_NUMBERS + [repr(-abs(hi)), repr(hi * 1e3), "0", repr(lo / 1e3)])
        if log:
            return "%.6g" % math.exp(r.uniform(math.log(lo), math.log(hi)))
        return "%.6g" % r.uniform(lo, hi)

    def grid(self, lo, hi, log=False, kmax=300):
        r = self.rng
        form = r.random()
        if form < 0.05:
            return r.choice(["3:1:10", "0:1:0", "1,0.5", "0:1", "a:b:c", "0:1:5:lin", "1:1:3",
                             "-1e308:1e308:3", "0:1:-3", "0:1:1e12", "0:1:20000000", "1e-320:1:3"])
        if form < 0.4:
            vals = sorted({float(self.number(lo, hi, log, bad=0.0)) for _ in range(r.randint(1, 6))})
            return ",".join("%.6g" % v for v in vals)
        a, b = sorted([float(self.number(lo, hi, log, bad=0.0)) for _ in range(2)])
        if a == b:
            b = a * 1.5 + 0.1
        k = r.randint(2, kmax)
        return "%.6g:%.6g:%d%s" % (a, b, k, ":log" if log and a > 0 and self.chance(0.5) else "")

    def act(self):
        r = self.rng
        if self.chance(0.7):
            return r.choice(ACTS)
        if self.chance(0.2):
            return r.choice(["swish", "poly:", "poly:1,x", "poly:0,0,0,0", "poly:0,0,0,1e300",
                             "poly:1,2,3,4,5", "poly:nan", "tanh,relu"])
        return "poly:" + ",".join(self.number(-2, 2, bad=0.05) for _ in range(r.randint(1, 4)))

    def ratio_range(self):
        """Usual ratios, now and then the whole accepted range [1e-4, 1e4]."""
        return (1e-4, 1e4) if not self.simulating and self.chance(0.1) else (0.1, 10)

    # --- commands -----------------------------------------------------------------------

    def spectrum(self, kind):
        r, a = self.rng, []
        self.simulating = self.chance(self.simulate)
        if kind == "mp":
            if self.chance(0.9):
                a += ["--ratio", self.number(*self.ratio_range(), log=True)]
        else:
            if self.chance(0.7):
                a += ["--act", self.act()]
            if self.chance(0.9):
                n = r.randint(1, 5) if self.chance(0.95) else r.choice([1, 12])
                vals = [self.number(*self.ratio_range(), log=True, bad=0.03) for _ in range(n)]
                a += ["--ratios", ",".join(vals)]
            if self.chance(0.2):
                a += ["--input", r.choice(["gaussian", "orthonormal", "foo", DATA_FILE])]
        if self.chance(0.08):   # --input FILE and its options (ntk: one layer, --stats only)
            a += ["--input", DATA_FILE]
            if self.chance(0.7):
                a += ["--input-samples", str(r.randint(2, 120)) if self.chance(0.9) else
                      r.choice(["0", "-1", "500", "x"])]
            if self.chance(0.3):
                a += ["--input-seed", str(r.randint(0, 9))]
            if self.chance(0.3):
                a += ["--input-normalize", r.choice(["unit", "none", "bogus"])]
            if self.chance(0.15):
                a += ["--input-slope", r.choice(["matched", "b", "bogus"])]
        if self.chance(0.2 if kind == "ntk" else 0.03):
            a += ["--readout", r.choice(["gaussian", "rademacher", "bar"])]
        if self.chance(0.03):   # options that do not apply here
            a += r.choice([["--ratio", "2"], ["--ratios", "1,2"], ["--lambda", "1"], ["--eta", "1"]])
        stats = self.chance(0.25)
        if stats:
            a += ["--stats", ",".join(self.number(1e-3, 100, log=True, bad=0.05)
                                      for _ in range(r.randint(1, 4)))]
        if self.chance(0.7):
            a += ["--x", self.grid(-1, 12)]
        if self.simulating:   # with --input FILE n is the data's: --n mostly left out
            no_n = DATA_FILE in a and self.chance(0.9)
            a += ["--simulate"] + ([] if no_n else ["--n", str(r.randint(20, 120))
                  if self.chance(0.95) else r.choice(["1", "0", "-5", "x", "10000000"])])
            a += ["--seeds", "2" if self.chance(0.95) else r.choice(["1", "0", "5000"])]
            if self.chance(0.3):
                a += ["--seed", str(r.randint(0, 100)) if self.chance(0.9) else "-1"]
        return a

    def risk(self, onestep):
        r, a = self.rng, []
        if self.chance(0.4):
            a += ["--act", self.act()]
        if self.chance(0.3):
            a += ["--teacher", self.act()]
        sim = self.chance(self.simulate)
        wide = not sim and self.chance(0.2)   # now and then the whole accepted range
        ratio = (1e-4, 1e4) if wide else (0.05, 20)
        params = [("--width-ratio", *ratio, True), ("--sample-ratio", *ratio, True),
                  ("--lambda", 1e-6, 1e6 if wide else 10, True),
                  ("--noise", 0.0, 1e6 if wide else 2.0, False)]
        if onestep:
            params += [("--batch-ratio", *ratio, True), ("--eta", 0.0, 1e6 if wide else 10.0, False)]
        swept = None
        for name, lo, hi, log in params:
            if not self.chance(0.5):
                continue
            if swept is None and self.chance(0.3):
                swept = name
                a += [name, self.grid(lo if lo > 0 else 0.0, hi, log and lo > 0, kmax=40)]
            else:
                a += [name, self.number(lo, hi, log)]
        if onestep and self.chance(0.25):
            a += ["--large"]
        if not onestep and self.chance(0.03):
            a += r.choice([["--eta", "1"], ["--batch-ratio", "1"], ["--large"]])
        if sim:
            a += self.sim_sizes()
        return a

    def sim_sizes(self):
        """--simulate with small sizes (rf, onestep, spiked), now and then a bad one."""
        r = self.rng
        return ["--simulate", "--d", str(r.randint(20, 60)) if self.chance(0.95) else
                r.choice(["1", "0", "x", "20000"]),
                "--seeds", "2" if self.chance(0.95) else r.choice(["1", "0", "x"]),
                "--n-test", str(r.randint(50, 200)) if self.chance(0.95) else r.choice(["5", "x"])]

    def spiked(self):
        """deqnn spiked: the risk table (one parameter now and then a grid), --x or --stats;
        --simulate now and then."""
        r, a = self.rng, []
        mode = r.choice(["risk", "risk", "x", "stats"])
        if self.chance(0.4):
            a += ["--act", self.act()]
        sim = self.chance(self.simulate)
        wide = not sim and self.chance(0.2)
        ratio = (1e-4, 1e4) if wide else (0.05, 20)
        params = [("--spike", 0.0, 1e6 if wide else 4.0, False),
                  ("--bulk-variance", 1.0, 1e6 if wide else 3.0, False),
                  ("--width-ratio", *ratio, True), ("--sample-ratio", *ratio, True)]
        if mode == "risk" or self.chance(0.05):   # risk-only options, now and then refused
            params += [("--alignment", 0.0, 1.0, False), ("--lambda", 1e-6, 1e6 if wide else 10, True),
                       ("--noise", 0.0, 1e6 if wide else 2.0, False)]
            if self.chance(0.3):
                a += ["--teacher", self.act()]
        swept = None
        for name, lo, hi, log in params:
            if not self.chance(0.5):
                continue
            if swept is None and self.chance(0.3 if mode == "risk" else 0.03):
                swept = name
                a += [name, self.grid(lo if lo > 0 else 0.0, hi, log and lo > 0, kmax=30)]
            else:
                a += [name, self.number(lo, hi, log)]
        if mode == "x":
            a += ["--x", self.grid(-1, 12)]
        if mode == "stats" or self.chance(0.02):
            a += ["--stats", ",".join(self.number(1e-3, 100, log=True, bad=0.05)
                                      for _ in range(r.randint(1, 4)))]
        if not wide and self.chance(0.3):
            a += self.spike_law()
        if sim:   # with --stats: refused
            a += self.sim_sizes()
        if self.chance(0.02):
            a += r.choice([["--eta", "1"], ["--ratios", "1,2"]])
        return a

    def train(self):
        """deqnn train with small sizes, now and then a bad option."""
        r = self.rng
        a = ["train", "--act", self.act(), "--n", str(r.randint(8, 60)) if self.chance(0.95)
             else r.choice(["1", "0", "x", "30000"]), "--seeds", "2"]
        steps = r.randint(0, 6) if self.chance(0.95) else r.choice([-1, "x"])
        a += ["--steps", str(steps)]
        opt = r.choice(["gd", "sgd", "adam"]) if self.chance(0.97) else "rmsprop"
        a += ["--opt", opt]
        if self.chance(0.5):
            a += ["--lr", self.number(1e-3, 10, True)]
        if self.chance(0.4) and isinstance(steps, int) and steps >= 0:
            recs = sorted(set(r.randint(0, steps + (1 if self.chance(0.05) else 0))
                              for _ in range(r.randint(1, 3))))
            a += ["--record", ",".join(str(x) for x in recs)]
        if self.chance(0.3) and (opt == "sgd" or self.chance(0.1)):
            a += ["--batch", str(r.randint(0, 70))]
        for flag, lo, hi in (("--noise", 0.0, 2.0), ("--sample-ratio", 0.3, 4.0),
                             ("--width-ratio", 0.3, 4.0)):
            if self.chance(0.4):
                a += [flag, self.number(lo, hi, False)]
        if self.chance(0.3):
            a += ["--centred"]
        if self.chance(0.2):
            a += ["--readout", r.choice(["gaussian", "rademacher", "bar"])]
        if self.chance(0.2):
            a += ["--teacher", self.act()]
        if self.chance(0.1):
            a += ["--summary"]
        return a

    def spike_law(self):
        """--spike-support (1 to 3 distinct values) and now and then --spike-weights; a bad law
        (repeats, count mismatch, NaN, negative or zero weights, K > 16) now and then."""
        r = self.rng
        if self.chance(0.1):
            return r.choice([["--spike-support", "0,1,0"], ["--spike-support", "0,nan"],
                             ["--spike-support", "1,inf"], ["--spike-support", "0,1", "--spike-weights", "1"],
                             ["--spike-support", "0,1", "--spike-weights", "1,-1"],
                             ["--spike-support", "0,1", "--spike-weights", "0,0"],
                             ["--spike-support", ",".join(str(k) for k in range(17))],
                             ["--spike-support", "a,b"], ["--spike-weights", "2,3"],
                             ["--spike-support", "gaussian", "--spike-weights", "1"]])
        vals = sorted({round(r.uniform(-2, 2), 3) for _ in range(r.randint(1, 3))})
        a = ["--spike-support", ",".join("%g" % v for v in vals)]
        if self.chance(0.5):
            a += ["--spike-weights", ",".join("%.3g" % r.uniform(0.05, 1) for _ in vals)]
        return a

    def check(self, d, refs):
        """A reference written earlier (valid or damaged), or a file of random bytes."""
        r = self.rng
        path = os.path.join(d, "ref_%d.csv" % r.randint(0, 1 << 30))
        if not refs or self.chance(0.15):
            with open(path, "wb") as f:
                f.write(bytes(r.randrange(256) for _ in range(r.randint(0, 3000))))
            return [path]
        lines = r.choice(refs).splitlines(keepends=True)
        head = [l for l in lines if l.startswith("#")]
        body = [l for l in lines if not l.startswith("#")]
        how = r.choice(["same", "delete-column", "value", "err", "text", "drop-row", "nan",
                        "truncate", "comment"])
        rows = [l.rstrip("\n").split(",") for l in body]
        if how == "delete-column" and rows:
            k = r.randrange(len(rows[0]))
            rows = [row[:k] + row[k + 1:] for row in rows]
        elif how in ("value", "err", "text", "nan") and len(rows) > 1:
            i, k = r.randrange(1, len(rows)), r.randrange(len(rows[0]))
            if how == "err" and "err" in rows[0]:
                k = rows[0].index("err")
            rows[i][k] = {"value": "%.6g" % (r.uniform(-2, 2)), "err": r.choice(["1e300", "-1", "nan", "inf"]),
                          "text": r.choice(["etol", "bogus", "ok"]), "nan": "nan"}[how]
        elif how == "drop-row" and len(rows) > 2:
            del rows[r.randrange(1, len(rows))]
        elif how == "comment" and head:
            head[r.randrange(len(head))] = r.choice(["# kind: rf\n", "# error-columns: x:err\n",
                                                     "# command: deqnn frobnicate\n", "#\n"])
        text = "".join(head) + "".join(",".join(row) + "\n" for row in rows)
        if how == "truncate":
            text = text[:r.randint(0, len(text))]
        with open(path, "w") as f:
            f.write(text)
        return [path]

    def command(self, d, refs):
        cmd = self.rng.choice(COMMANDS)
        if cmd == "check":
            return cmd, self.check(d, refs), None
        if cmd == "spiked":
            a = self.spiked()
        elif cmd == "train":
            a = self.train()
        else:
            a = self.spectrum(cmd) if cmd in ("mp", "ck", "ntk") else self.risk(cmd == "onestep")
        out = None
        if self.chance(0.04):   # a path that must be refused: a link, a FIFO, a directory
            out = os.path.join(d, self.rng.choice(SPECIAL_OUTPUTS))
            a += ["--out", out]
        elif self.chance(0.4):
            out = os.path.join(d, "out_%d.csv" % self.rng.randint(0, 1 << 30))
            a += ["--out", out]
        if self.chance(self.plot):
            a += ["--plot", os.path.join(d, "fig.%s" % self.rng.choice(["png", "svg", "gif"]))]
        if self.chance(0.05):   # the options every command takes (progress on stderr only)
            a += [self.rng.choice(["--progress", "--quiet"])]
        self.rng.shuffle(pairs := pair_up(a))
        # --name=value is --name value
        pairs = [[p[0] + "=" + p[1]] if len(p) == 2 and self.chance(0.1) else p for p in pairs]
        return cmd, [x for p in pairs for x in p], out


def pair_up(args):
    """Options with their values, so that shuffling keeps each value after its flag."""
    pairs, i = [], 0
    while i < len(args):
        if i + 1 < len(args) and not args[i + 1].startswith("--") or \
           (i + 1 < len(args) and args[i] in ("--x", "--ratio", "--ratios", "--stats") and args[i + 1] == "--"):
            pairs.append(args[i:i + 2])
            i += 2
        else:
            pairs.append(args[i:i + 1])
            i += 1
    return pairs


def make_specials(d):
    """Outputs deqnn must refuse: a symbolic link to a file, a FIFO, a directory."""
    with open(os.path.join(d, "target.csv"), "w") as f:
        f.write("keep\n")
    os.symlink(os.path.join(d, "target.csv"), os.path.join(d, "link.csv"))
    os.mkfifo(os.path.join(d, "fifo.csv"))
    os.mkdir(os.path.join(d, "dir.csv"))


def specials_intact(d):
    with open(os.path.join(d, "target.csv")) as f:
        return (f.read() == "keep\n" and os.path.islink(os.path.join(d, "link.csv"))
                and stat.S_ISFIFO(os.lstat(os.path.join(d, "fifo.csv")).st_mode)
                and os.path.isdir(os.path.join(d, "dir.csv")))


def numeric(v):
    try:
        return float(v)
    except ValueError:
        return None


def contract(table, lines):
    """Violations in rows whose status is ok."""
    bad = []
    rows = list(csv.reader(io.StringIO("".join(l for l in lines if not l.startswith("#")))))
    if not rows:
        return bad
    hdr, body = rows[0], rows[1:]
    if "status" not in hdr:
        return bad
    st = hdr.index("status")
    for i, row in enumerate(body):
        if len(row) != len(hdr) or row[st] != "ok":
            continue
        cell = dict(zip(hdr, row))
        for name, v in cell.items():
            x = numeric(v)
            if x is not None and not math.isfinite(x):
                bad.append("row %d: %s = %s with status ok" % (i + 1, name, v))
        for name in NONNEG_COLUMNS:
            if name in cell and numeric(cell[name]) is not None and numeric(cell[name]) < 0:
                bad.append("row %d: %s = %s < 0" % (i + 1, name, cell[name]))
        for name in PROB_COLUMNS:
            x = numeric(cell.get(name, ""))
            if x is not None and not 0 <= x <= 1:
                bad.append("row %d: %s = %s outside [0, 1]" % (i + 1, name, cell[name]))
        stat, th = cell.get("stat"), numeric(cell.get("theory", ""))
        if stat is not None and th is not None:
            if stat.startswith("res(") and numeric(cell.get("lambda", "")) and not th > 0:
                bad.append("row %d: %s = %g, not > 0" % (i + 1, stat, th))
            if stat == "atom" and not 0 <= th <= 1:
                bad.append("row %d: atom = %g outside [0, 1]" % (i + 1, th))
            if stat == "KS" and "sim_mean" in cell and not 0 <= numeric(cell["sim_mean"]) <= 1:
                bad.append("row %d: KS = %s outside [0, 1]" % (i + 1, cell["sim_mean"]))
    return bad


NAMES_OPTION = re.compile(r"--[a-z]|\b(mp|ck|ntk|rf|onestep|spiked|train|check)\b")


def run_one(deqnn, fz, d, refs, verbose):
    before = set(os.listdir(d))
    cmd, args, out = fz.command(d, refs)
    argv = [deqnn, cmd] + args
    env = dict(os.environ, DEQNN_THREADS="1")
    try:
        p = subprocess.run(argv, cwd=d, capture_output=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return None, ["timeout after %d s" % TIMEOUT], [], argv
    problems = []
    rc = p.returncode
    err = p.stderr.decode(errors="replace")
    if rc < 0:
        problems.append("killed by signal %d" % -rc)
    elif rc not in (0, 1, 2):
        problems.append("exit code %d" % rc)
    if out is not None and os.path.basename(out) in SPECIAL_OUTPUTS and rc != 2:
        problems.append("--out %s accepted (exit %s)" % (os.path.basename(out), rc))
    if not specials_intact(d):
        problems.append("a symbolic link, FIFO or directory (or the link's target) was changed")
    if rc == 2 and not NAMES_OPTION.search(err):
        problems.append("exit 2 without naming an option: %r" % err.strip()[:200])
    new = set(os.listdir(d)) - before
    if cmd == "check":   # the damaged reference is an input, not an output
        new -= {os.path.basename(a) for a in args}
    if rc == 2 and cmd != "check" and new:
        problems.append("exit 2 but wrote %s" % sorted(new))
    if "Sanitizer" in err or "runtime error:" in err:   # ASan/UBSan builds exit 1 on errors
        problems.append("sanitizer: %s" % err.strip()[-600:])
    notes = []
    if "internal error" in err:   # the CLI's safety net caught a library bug
        notes.append("safety net: %s" % err.strip()[:400])
    stray = [f for f in os.listdir(d) if ".tmp." in f]
    if stray:
        problems.append("temporaries left: %s" % stray)
    texts = [p.stdout.decode(errors="replace")]
    for f in new:
        if f.endswith(".csv"):
            with open(os.path.join(d, f), errors="replace") as fh:
                texts.append(fh.read())
    for text in texts:
        if "# command:" in text:
            lines = text.splitlines(keepends=True)
            problems += contract(None, lines)
            if cmd != "check" and rc in (0, 1) and len(refs) < 50 and "--simulate" not in args:
                refs.append(text)
    for f in set(os.listdir(d)) - before:   # keep the directory small (references: in memory)
        path = os.path.join(d, f)
        if os.path.isfile(path) and not os.path.islink(path):
            os.unlink(path)
    if verbose:
        print(rc, " ".join(argv[1:]), file=sys.stderr)
    return rc, problems, notes, argv


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("deqnn")
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--simulate", type=float, default=0.0, help="probability of --simulate")
    ap.add_argument("--plot", type=float, default=0.0, help="probability of --plot")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--strict", action="store_true",
                    help="a safety-net report (a library bug, the row marked einternal) fails the run")
    o = ap.parse_args()
    deqnn = os.path.abspath(o.deqnn)
    fz = Fuzzer(random.Random(o.seed), o.simulate, o.plot)
    d = tempfile.mkdtemp(prefix="deqnn_fuzz_")
    make_specials(d)
    passed = failed = 0
    codes, refs, nets = {}, [], 0
    try:
        for _ in range(o.runs):
            rc, problems, notes, argv = run_one(deqnn, fz, d, refs, o.verbose)
            codes[rc] = codes.get(rc, 0) + 1
            if notes:
                nets += 1
                print("LIBRARY BUG: %s\n  %s" % (" ".join(argv[1:]), "\n  ".join(notes)))
                if o.strict:
                    problems += notes
            if problems:
                failed += 1
                print("FAIL: %s\n  %s" % (" ".join(argv[1:]), "\n  ".join(problems)))
            else:
                passed += 1
    finally:
        shutil.rmtree(d, ignore_errors=True)
    dist = ", ".join("exit %s: %d" % (k, v) for k, v in sorted(codes.items(), key=str))
    print("fuzz_cli: %d runs, seed %d; %s; %d run(s) where the safety net caught a library "
          "bug%s" % (o.runs, o.seed, dist, nets, " (failures: --strict)" if o.strict else ""))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
