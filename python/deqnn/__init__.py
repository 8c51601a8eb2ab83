"""deqnn from Python: every table the CLI writes, computed in-process by the C library.

The package is a thin layer over libdeqnn (ctypes): it holds no formula and no check of its
own.  ``table(command, **options)`` runs a command exactly as ``deqnn COMMAND --options`` would
(same validation, theory, simulation, seeds, verdicts) through ``deq_command_run_tables`` and returns
its table as a numpy structured array with the provenance; ``load(path)`` reads any CSV the CLI
writes.  Option names are the CLI's with ``-`` -> ``_`` (``lam`` or ``lambda_`` for
``--lambda``); numpy arrays and lists are accepted wherever the CLI takes a list or a grid.

    >>> import numpy as np, deqnn
    >>> t = deqnn.table("mp", ratio=0.5, x=np.linspace(0.1, 2.9, 8))
    >>> t.data["density"]            # doctest: +SKIP

See docs/python.md.
"""
import ctypes
import os
import re
import sys

__all__ = ["table", "load", "Table", "DeqnnError", "column", "library_path", "blas_mismatch"]

_HERE = os.path.dirname(os.path.abspath(__file__))


class DeqnnError(ValueError):
    """Bad input (the CLI's exit 2): the message names the option as the CLI spells it."""


def library_path():
    """The libdeqnn.so to load: $DEQNN_LIB, the build tree beside the package, or the system's."""
    env = os.environ.get("DEQNN_LIB")
    if env:
        return env
    for cand in (os.path.join(_HERE, "..", "..", "build", "src", "libdeqnn.so"),
                 os.path.join(_HERE, "libdeqnn.so")):
        if os.path.exists(cand):
            return os.path.abspath(cand)
    try:   # written by meson install: the libdir the library was installed to
        from deqnn._paths import LIBDIR
        cand = os.path.join(LIBDIR, "libdeqnn.so.0")
        if os.path.exists(cand):
            return cand
    except ImportError:
        pass
    return "libdeqnn.so.0"


def _blas_core(path):
    """OPENBLAS_CORETYPE as the CLI runs (deq_command_blas_core, asked in a child process:
    OpenBLAS reads it once, when loaded), so that BLAS-heavy runs give the CLI's bits."""
    import subprocess
    code = ("import ctypes; f = ctypes.CDLL(%r).deq_command_blas_core; "
            "f.restype = ctypes.c_char_p; c = f(); print(c.decode() if c else '')" % path)
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=60)
        return r.stdout.strip() if r.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


# OpenBLAS reads OPENBLAS_CORETYPE when it is loaded, and numpy loads it: set it as the CLI
# would before numpy comes in (when numpy came first, see blas_mismatch()).
if "OPENBLAS_CORETYPE" not in os.environ and "numpy" not in sys.modules:
    _core = _blas_core(library_path())
    if _core:
        os.environ["OPENBLAS_CORETYPE"] = _core

import numpy as np  # noqa: E402

_p, _sz, _cp, _i = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_int
_SIGNATURES = {  # every C function the package calls: its result and argument types
    "deq_command_run_tables": (_i, [_i, ctypes.POINTER(_cp), ctypes.POINTER(_p), _sz, _cp, _sz]),
    "deq_command_table_name": (_cp, [_sz]),
    "deq_table_read": (_i, [_cp, ctypes.POINTER(_p)]),
    "deq_table_free": (None, [_p]),
    "deq_table_ncols": (_sz, [_p]),
    "deq_table_nrows": (_sz, [_p]),
    "deq_table_name": (_cp, [_p, _sz]),
    "deq_table_is_text": (_i, [_p, _sz]),
    "deq_table_values": (ctypes.POINTER(ctypes.c_double), [_p]),
    "deq_table_text_at": (_cp, [_p, _sz, _sz]),
    "deq_table_text_column": (_sz, [_p, _sz, _cp, _sz]),
    "deq_table_ncomments": (_sz, [_p]),
    "deq_table_comment_at": (_cp, [_p, _sz]),
    "deq_strerror": (_cp, [_i]),
    "deq_status_name": (_cp, [_i]),
    "deq_command_stieltjes": (_i, [_i, ctypes.POINTER(_cp), _sz, _p, _p, _p, _p, _p, _p, _cp, _sz]),
}

_lib = None


def _load_library():
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(library_path())
    for name, (res, args) in _SIGNATURES.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    lib.names = []
    while lib.deq_command_table_name(len(lib.names)) is not None:
        lib.names.append(lib.deq_command_table_name(len(lib.names)).decode())
    _lib = lib
    return lib


def blas_mismatch():
    """None when OpenBLAS runs the kernels the CLI runs (then simulations and data kernels
    equal the CLI's to the last bit), else a note: numpy was imported before deqnn on a CPU
    where the CLI sets OPENBLAS_CORETYPE (a virtual machine's generic CPU model); export
    OPENBLAS_CORETYPE=<the core named> before starting Python, or import deqnn first.  The
    results then agree with the CLI's to round-off (docs/python.md)."""
    lib = _load_library()
    want = os.environ.get("OPENBLAS_CORETYPE")
    try:
        f = lib.openblas_get_corename
    except AttributeError:
        return None
    f.restype = ctypes.c_char_p
    have = (f() or b"").decode()
    if want is None:
        c = _blas_core(library_path())
        return None if not c else "OpenBLAS runs %s kernels, the CLI %s" % (have, c)
    return None if have.lower() == want.lower() else "OpenBLAS runs %s kernels, the CLI %s" % (have, want)


class Table:
    """A deqnn table: ``data`` (numpy structured array, one field per column: float64 for
    numbers, str for text), ``meta`` (the "# key: value" comments as a dict: command,
    version, kind, ...), ``comments`` (all comment lines), ``summary`` (the table written
    beside --out by a simulation, or None), ``exit_code`` (the CLI's: 0, or 1 for a failure
    flagged in a row or a failed verdict) and ``messages`` (what the CLI would print).
    A simulation run through ``table`` also has ``seeds`` (a Table: row, replicate, then the
    per-replicate values of the summary's statistics or of the risks) and, for mp/ck/ntk,
    ``eigenvalues`` (a Table: replicate, index, eigenvalue); mp/ck/ntk have ``law`` (support
    edges and atoms: part, x, mass, mass_err, status) and ``cdf`` (x, cdf, status at the
    grid) when asked for (``table(kind, _law=True, ...)``, as deqnn.law and deqnn.cdf do: they
    cost a tabulation of the CDF); ``per_seed(name)`` and
    ``eigenvalue_matrix()`` give them as (rows, seeds) and (seeds, n) arrays."""

    def __init__(self, data, comments, summary=None, exit_code=0, messages="", extra=None):
        self.data = data
        self.seeds = (extra or {}).get("seeds")
        self.eigenvalues = (extra or {}).get("eigenvalues")
        self.law = (extra or {}).get("law")
        self.cdf = (extra or {}).get("cdf")
        self.comments = comments
        self.meta = {}
        for line in comments:
            key, sep, value = line.partition(": ")
            if sep and key not in self.meta:
                self.meta[key] = value
        self.summary = summary
        self.exit_code = exit_code
        self.messages = messages

    def per_seed(self, name):
        """Per-replicate values of `name` as an array (rows of the main table, seeds)."""
        if self.seeds is None:
            raise DeqnnError("per_seed: no simulation in this table (simulate=True)")
        s = self.seeds.data
        nrow, nrep = int(s["row"].max()) + 1, int(s["replicate"].max()) + 1
        return np.asarray(s[name]).reshape(nrow, nrep)

    def eigenvalue_matrix(self):
        """Every replicate's eigenvalues, ascending: an array (seeds, n)."""
        if self.eigenvalues is None:
            raise DeqnnError("eigenvalue_matrix: no simulated spectrum in this table")
        e = self.eigenvalues.data
        return np.asarray(e["eigenvalue"]).reshape(int(e["replicate"].max()) + 1, -1)

    @property
    def columns(self):
        return list(self.data.dtype.names)

    def __getitem__(self, name):
        return self.data[name]

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        return "<deqnn.Table kind=%s rows=%d columns=%s>" % (
            self.meta.get("kind", "?"), len(self.data), ",".join(self.columns))


def _to_table(lib, ptr, summary=None, exit_code=0, messages="", extra=None):
    nc, nr = lib.deq_table_ncols(ptr), lib.deq_table_nrows(ptr)
    names = [lib.deq_table_name(ptr, c).decode() for c in range(nc)]
    text = [bool(lib.deq_table_is_text(ptr, c)) for c in range(nc)]
    vals = np.ctypeslib.as_array(lib.deq_table_values(ptr), shape=(nr * nc,)).reshape(nr, nc) \
        if nr > 0 else np.zeros((0, nc))
    cols = []
    for c in range(nc):
        if text[c]:
            need = lib.deq_table_text_column(ptr, c, None, 0)
            buf = ctypes.create_string_buffer(need)
            lib.deq_table_text_column(ptr, c, buf, need)
            col = np.array(buf.value.decode().split("\n")[:nr], dtype=str)
        else:
            col = np.array(vals[:, c], dtype=np.float64)
        cols.append(col)
    dtype = [(n, col.dtype) for n, col in zip(names, cols)]
    data = np.empty(nr, dtype=dtype)
    for n, col in zip(names, cols):
        data[n] = col
    comments = [lib.deq_table_comment_at(ptr, i).decode()
                for i in range(lib.deq_table_ncomments(ptr))]
    return Table(data, comments, summary, exit_code, messages, extra)


def _flag(name):
    if name in ("lam", "lambda_"):
        return "--lambda"
    return "--" + name.rstrip("_").replace("_", "-")


def _value(v):
    if isinstance(v, str):
        return v
    if isinstance(v, np.ndarray) and v.dtype.kind in "fiu":
        return ",".join(map(repr, np.ravel(v).astype(float).tolist()))
    if isinstance(v, (list, tuple, np.ndarray)):
        return ",".join(_value(x) for x in np.ravel(np.asarray(v, dtype=object)))
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("booleans are flags")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def _argv(command, options):
    argv = [command]
    for name, v in options.items():
        if v is None or v is False:
            continue
        if name in ("out", "plot", "help"):
            raise DeqnnError("%s: --%s: deqnn.table writes and prints nothing; use the "
                             "CLI, or save the returned table yourself" % (name, name))
        if v is True:
            argv.append(_flag(name))
        else:
            argv += [_flag(name), _value(v)]
    return argv


def _python_name(flag):
    """The Python spelling of a CLI option: --lambda -> lam, --width-ratio -> width_ratio."""
    return "lam" if flag == "--lambda" else flag[2:].replace("-", "_")


def _error(text, command, rc):
    """DeqnnError from the CLI's message: its first --option, in the Python spelling, leads."""
    text = text.strip() or "deqnn %s failed (exit %d)" % (command, rc)
    m = re.search(r"--[a-z][a-z0-9-]*", text)
    if m is None and text.startswith("z: "):   # deq_command_stieltjes's points
        err = DeqnnError(text)
        err.parameter = "z"
        return err
    if m is None:
        return DeqnnError(text)
    name = _python_name(m.group(0))
    err = DeqnnError("%s: %s" % (name, text))
    err.parameter = name
    return err


def _run(argv, law=False):
    lib = _load_library()
    arr = (ctypes.c_char_p * len(argv))(*[a.encode() for a in argv])
    n = len(lib.names) if law else min(4, len(lib.names))   # law, cdf: only when asked
    ptrs = (ctypes.c_void_p * n)()
    msg = ctypes.create_string_buffer(8192)
    rc = lib.deq_command_run_tables(len(argv), arr, ptrs, n, msg, len(msg))
    return lib, rc, ptrs, msg.value.decode(errors="replace")


def table(command, _law=False, **options):
    """Run ``deqnn COMMAND`` with these options in-process; return its Table.

    Raises DeqnnError (a ValueError) for bad input (the CLI's exit 2), its message led by the
    parameter's Python name (``lam: --lambda: must lie in ...``; also ``err.parameter``).  A
    failure flagged in a row or a failed verdict (exit 1) still returns the table, with
    ``exit_code = 1`` and the flag in the ``status`` column."""
    lib, rc, ptrs, text = _run(_argv(command, options), _law)
    n = len(ptrs)
    try:
        if rc == 2 or not ptrs[0]:
            raise _error(text, command, rc)
        tabs = {name: (_to_table(lib, ptrs[i]) if ptrs[i] else None)
                for i, name in enumerate(lib.names[:n]) if i > 0}
        return _to_table(lib, ptrs[0], tabs.get("summary"), rc, text, tabs)
    finally:
        for i in range(n):
            if ptrs[i]:
                lib.deq_table_free(ptrs[i])


def load(path):
    """Read any CSV the CLI writes (comments, header, rows) into a Table."""
    lib = _load_library()
    t = ctypes.c_void_p()
    rc = lib.deq_table_read(os.fsencode(path), ctypes.byref(t))
    if rc != 0 or not t.value:
        raise DeqnnError("%s: %s" % (path, lib.deq_strerror(rc).decode()))
    try:
        return _to_table(lib, t)
    finally:
        lib.deq_table_free(t)


def column(command, name, **options):
    """One column of a command's table, with numpy broadcasting over the options (as
    ``deqnn.broadcast``): an array of the broadcast shape, or the table's whole column when
    no option is an array.  Example: ``column("rf", "risk", lam=lams, noise=0.1)``."""
    from deqnn.face import _varying, broadcast
    if not _varying(options):
        return np.asarray(table(command, **options)[name])
    return np.asarray(broadcast(command, **options).data[name])

from deqnn.face import (Quantity, Result, broadcast, rf, onestep, spiked, density,  # noqa: E402
                        mp, ck, ntk, stats, resolvent, moments, simulate, law, cdf,
                        stieltjes)
__all__ += ["Quantity", "Result", "broadcast", "rf", "onestep", "spiked", "density", "mp",
            "ck", "ntk", "stats", "resolvent", "moments", "simulate", "law", "cdf", "stieltjes"]
