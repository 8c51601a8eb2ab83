"""A 1000-point rf risk curve from Python (deqnn.rf) against the C call it makes.

C: deq_command_run_tables on the same argv, called through ctypes with the argument vector
built beforehand (the C side's whole work: parsing, 1000 theory points, the table).
Python: deqnn.rf(lam=np.logspace(-3, 1, 1000)) (argv formatting, the same C call, the
numpy arrays).  The best of 30 alternating runs each; the difference is the package's cost.
Run by `meson test -C build --benchmark python-rf-curve`, or directly with PYTHONPATH=python.
"""
import ctypes
import time

import numpy as np

import deqnn

lam = np.logspace(-3, 1, 1000)
argv = deqnn._argv("rf", {"lam": lam, "noise": 0.1})
lib = deqnn._load_library()
n = 4   # as deqnn.table asks: table, summary, seeds, eigenvalues
arr = (ctypes.c_char_p * len(argv))(*[a.encode() for a in argv])


def c_run():
    ptrs = (ctypes.c_void_p * n)()
    msg = ctypes.create_string_buffer(8192)
    rc = lib.deq_command_run_tables(len(argv), arr, ptrs, n, msg, len(msg))
    for p in ptrs:
        if p:
            lib.deq_table_free(p)
    assert rc == 0


def py_run():
    r = deqnn.rf(lam=lam, noise=0.1)
    assert r.shape == (1000,) and r.risk.ok.all()


c_best = py_best = float("inf")
for _ in range(30):
    t0 = time.perf_counter()
    c_run()
    t1 = time.perf_counter()
    py_run()
    t2 = time.perf_counter()
    c_best, py_best = min(c_best, t1 - t0), min(py_best, t2 - t1)
over = py_best - c_best
print("rf curve, 1000 points: C %.3f ms, Python %.3f ms, Python's own cost %.3f ms (limit 2 ms)"
      % (1e3 * c_best, 1e3 * py_best, 1e3 * over))
raise SystemExit(0 if over < 2e-3 else 1)
