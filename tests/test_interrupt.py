#!/usr/bin/env python3
"""SIGINT and SIGTERM while deqnn writes --out or runs gnuplot for --plot: the old file is
left intact, no temporary remains, gnuplot does not outlive deqnn.

Usage: test_interrupt.py DEQNN        (python3 standard library only)
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

POLL = 0.002          # seconds between looks for the temporary
DEADLINE = 60.0       # seconds to wait for a phase to start
BIG_GRID = "0:7:3000000"    # mp density rows: the CSV is written for about a second
PLOT_GRID = "0:7:400000"    # enough points that gnuplot draws for a while
REPEAT = 3            # each signal, each phase: the races are timing-dependent


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def temporaries(d):
    return [f for f in os.listdir(d) if ".tmp." in f]


def gnuplots_on(d):
    """Processes whose command line mentions directory d (a gnuplot we started)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace")
        except OSError:
            continue
        if "gnuplot" in cmd and d in cmd:
            found.append(int(pid))
    return found


def interrupt(deqnn, d, args, ready, sig):
    """Start deqnn, wait until ready() (the phase to interrupt has begun), send sig.
    Returns (returncode, ready_seen)."""
    p = subprocess.Popen([deqnn] + args, cwd=d, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    start, saw = time.time(), False
    while p.poll() is None and time.time() - start < DEADLINE:
        if ready():
            saw = True
            break
        time.sleep(POLL)
    if p.poll() is None:
        p.send_signal(sig)
    return p.wait(), saw


def main():
    deqnn = os.path.abspath(sys.argv[1])
    passed = failed = 0
    d = tempfile.mkdtemp(prefix="deqnn_int_")
    try:
        def check(ok, what):
            nonlocal passed, failed
            if ok:
                passed += 1
            else:
                failed += 1
                print("FAIL:", what)

        old = os.path.join(d, "out.csv")
        fig = os.path.join(d, "fig.png")
        subprocess.run([deqnn, "mp", "--x", "0:7:71", "--out", old], check=True)
        subprocess.run([deqnn, "mp", "--x", "0:7:71", "--out", os.path.join(d, "fig.csv"),
                        "--plot", fig], check=True, stderr=subprocess.DEVNULL)
        before = {f: digest(os.path.join(d, f)) for f in os.listdir(d)}
        for sig in (signal.SIGINT, signal.SIGTERM) * REPEAT:
            name = signal.Signals(sig).name
            writing = lambda: any(f.startswith("out.csv.tmp.") for f in os.listdir(d))
            rc, saw = interrupt(deqnn, d, ["mp", "--x", BIG_GRID, "--out", old], writing, sig)
            check(saw, f"--out {name}: the temporary never appeared")
            check(rc == -sig, f"--out {name}: deqnn ended with {rc}, not by the signal")
            check(not temporaries(d), f"--out {name}: temporaries left: {temporaries(d)}")
            check(digest(old) == before["out.csv"], f"--out {name}: the old out.csv changed")

            plotting = lambda: bool(gnuplots_on(d))
            rc, saw = interrupt(deqnn, d, ["mp", "--x", PLOT_GRID, "--out",
                                           os.path.join(d, "fig.csv"), "--plot", fig], plotting, sig)
            check(saw, f"--plot {name}: gnuplot never started")
            check(rc == -sig, f"--plot {name}: deqnn ended with {rc}, not by the signal")
            time.sleep(0.5)   # gnuplot got SIGTERM from deqnn's handler
            check(not gnuplots_on(d), f"--plot {name}: gnuplot still runs")
            check(not temporaries(d), f"--plot {name}: temporaries left: {temporaries(d)}")
            check(digest(fig) == before["fig.png"], f"--plot {name}: the old fig.png changed")
            check(os.path.getsize(fig) > 0, f"--plot {name}: fig.png is empty")
    finally:
        for pid in gnuplots_on(d):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(d, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
