"""The library-function face: spectra, risks and simulations as numpy arrays.

Every function here is ``table()`` (one C path, the CLI's) plus reshaping: no formula and no
check of its own.  Values come with their error bars and statuses (``Quantity``); a solver
flag stays in ``status`` (``ok``, ``emaxiter``, ``ebranch``, ``etol``, ...) next to the value.
Option names are the CLI's with ``-`` -> ``_`` (``lam`` for ``--lambda``); see docs/python.md.
"""
import numpy as np

from deqnn import DeqnnError, table

# Options that are lists in the CLI itself (passed through, never broadcast).
_LISTS = {"ratios", "record", "stats", "x", "readout_support", "readout_weights",
          "spike_support", "spike_weights"}


class Quantity:
    """A value array with its error bar and status arrays (same shape).  ``ok`` is
    ``status == "ok"``; ``np.asarray(q)`` is ``q.value``."""

    def __init__(self, value, err, status):
        self.value, self.err, self.status = value, err, status

    @property
    def ok(self):
        return self.status == "ok"

    @property
    def shape(self):
        return np.shape(self.value)

    def __array__(self, dtype=None):
        return np.asarray(self.value, dtype=dtype)

    def __repr__(self):
        return "Quantity(value=%r, err=%r, status=%r)" % (self.value, self.err, self.status)


def _error_columns(meta):
    """The "error-columns" comment ("risk:err,bias:bias_err") as a dict value -> error."""
    pairs = (p.split(":") for p in meta.get("error-columns", "").split(",") if ":" in p)
    return {v: e for v, e in pairs}


class Result:
    """A command's rows over a broadcast shape: ``data`` (structured array of that shape),
    ``meta`` (the first run's provenance).  ``r.risk`` is a Quantity (value, err, status) for a
    column with an error bar, else the column's array; ``r.status`` is the status array."""

    def __init__(self, data, meta, tables):
        self.data, self.meta, self.tables = data, meta, tables
        self._errs = {v: e for v, e in _error_columns(meta).items() if v in data.dtype.names}

    @property
    def columns(self):
        return list(self.data.dtype.names)

    @property
    def shape(self):
        return self.data.shape

    def __getattr__(self, name):
        if name.startswith("_") or name not in self.data.dtype.names:
            raise AttributeError(name)
        if name in self._errs:
            return Quantity(self.data[name], self.data[self._errs[name]], self.data["status"])
        return self.data[name]

    def __getitem__(self, name):
        return self.__getattr__(name)

    def __repr__(self):
        return "<deqnn.Result kind=%s shape=%s columns=%s>" % (
            self.meta.get("kind", "?"), self.data.shape, ",".join(self.columns))


def _varying(options):
    return {k: np.asarray(v) for k, v in options.items()
            if k not in _LISTS and not isinstance(v, str) and np.ndim(v) > 0}


def broadcast(command, **options):
    """The rows of ``table(command, ...)`` with numpy broadcasting over any parameter.

    Options given as arrays (other than the CLI's own lists: ratios, x, stats, ...) are
    broadcast together; the one with most distinct values goes to the CLI as one list (one
    run per combination of the others), so a curve in one parameter is one C call.  Returns a
    Result of the broadcast shape."""
    arrays = _varying(options)
    if not arrays:
        t = table(command, **options)
        if len(t) != 1:
            raise DeqnnError("%s: %d rows; give the swept parameter as an array" % (command, len(t)))
        return Result(t.data.reshape(()), t.meta, [t])
    shape = np.broadcast_shapes(*[a.shape for a in arrays.values()])
    flat = {k: np.ravel(np.broadcast_to(a, shape)) for k, a in arrays.items()}
    if len(flat) == 1:   # a curve: one run (no reordering when the values already increase)
        (sweep, v), = flat.items()
        inc = v.dtype.kind in "fiu" and np.all(v[1:] > v[:-1])
        values, inv = (v, None) if inc else np.unique(v, return_inverse=True)
        t = table(command, **{**options, sweep: values})
        out = t.data if inv is None else t.data[inv]
        return Result(out.reshape(shape), t.meta, [t])
    sweep = max(flat, key=lambda k: len(np.unique(flat[k])))
    others = [k for k in flat if k != sweep]
    keys = np.stack([flat[k] for k in others], axis=1)
    groups, ginv = np.unique(keys, axis=0, return_inverse=True)
    out, tables = None, []
    for g, point in enumerate(groups):
        idx = np.nonzero(np.ravel(ginv) == g)[0]
        values, inv = np.unique(flat[sweep][idx], return_inverse=True)
        opts = {**options, **{k: float(v) for k, v in zip(others, point)}, sweep: values}
        t = table(command, **opts)
        tables.append(t)
        if out is None:
            out = np.empty(flat[sweep].size, dtype=t.data.dtype)
        out[idx] = t.data[inv]
    return Result(out.reshape(shape), tables[0].meta, tables)


def rf(**options):
    """Random-features ridge risk (``deqnn rf``): risk, train_error, bias, variance (each a
    Quantity), kappa, status, broadcast over any of width_ratio, sample_ratio, lam, noise."""
    return broadcast("rf", **options)


def onestep(**options):
    """Risk after one gradient step (``deqnn onestep``; ``large=True`` for the large step):
    risk, train_error, bias, variance, align_grad, align_w1, rf_risk, best_linear,
    kernel_limit, ... broadcast over any parameter (eta, lam, ratios, noise)."""
    return broadcast("onestep", **options)


def spiked(**options):
    """Spiked random features after one large step (``deqnn spiked``): test_error,
    train_error, broadcast over any parameter (spike, bulk_variance, alignment, lam, ...)."""
    return broadcast("spiked", **options)


def density(kind, x, **options):
    """Limiting spectral density of ``kind`` (mp, ck, ntk, spiked) at the points x (any shape,
    any order): a Quantity of x's shape."""
    x = np.asarray(x, dtype=float)
    values, inv = np.unique(np.ravel(x), return_inverse=True)
    t = table(kind, x=values, **options)
    shape = x.shape
    return Quantity(t["density"][inv].reshape(shape), t["err"][inv].reshape(shape),
                    t["status"][inv].reshape(shape))


def mp(x, ratio=2.385, **options):
    """Marchenko-Pastur density at x for gamma = n/d = ratio (``deqnn mp``)."""
    return density("mp", x, ratio=ratio, **options)


def ck(x, **options):
    """Deep conjugate-kernel density at x (``deqnn ck``: act, ratios, input, ...)."""
    return density("ck", x, **options)


def ntk(x, **options):
    """Deep neural-tangent-kernel density at x (``deqnn ntk``)."""
    return density("ntk", x, **options)


def law(kind, **options):
    """Support and atoms of the limit law of ``kind`` (mp, ck, ntk): a dict with ``edges``
    (array (intervals, 2): lower and upper edge of each support interval, located by
    bisection on the density: no error bar), ``atoms`` (positions) and ``mass`` (a Quantity:
    the atoms' masses with their error bars and statuses)."""
    t = table(kind, _law=True, x=options.pop("x", "0:1:2"), **options).law
    p = t["part"]
    lo, hi = t["x"][p == "edge_lo"], t["x"][p == "edge_hi"]
    a = p == "atom"
    return {"edges": np.stack([lo, hi], axis=1), "atoms": t["x"][a],
            "mass": Quantity(t["mass"][a], t["mass_err"][a], t["status"][a])}


def stieltjes(kind, z, **options):
    """Stieltjes transform m(z) = int dmu(x) / (x - z) of the limit law of ``kind`` (mp, ck,
    ntk) at complex z (any shape; Im m > 0 when Im z > 0, a real z outside the support): a
    Quantity with complex ``value``, its error bar and status (``deq_command_stieltjes``)."""
    import ctypes
    from deqnn import _argv, _error, _load_library
    lib = _load_library()
    z = np.asarray(z, dtype=complex)
    flat = np.ravel(z)
    n = flat.size
    zr, zi = np.ascontiguousarray(flat.real), np.ascontiguousarray(flat.imag)
    mr, mi, err = np.empty(n), np.empty(n), np.empty(n)
    st = np.empty(n, dtype=np.intc)
    argv = _argv(kind, options)
    arr = (ctypes.c_char_p * len(argv))(*[a.encode() for a in argv])
    msg = ctypes.create_string_buffer(8192)
    ptr = [a.ctypes.data_as(ctypes.c_void_p) for a in (zr, zi, mr, mi, err, st)]
    rc = lib.deq_command_stieltjes(len(argv), arr, n, *ptr, msg, len(msg))
    if rc == 2:
        raise _error(msg.value.decode(errors="replace"), kind, rc)
    names = np.array([lib.deq_status_name(int(s)).decode() for s in st], dtype=str)
    return Quantity((mr + 1j * mi).reshape(z.shape), err.reshape(z.shape),
                    names.reshape(z.shape))


def cdf(kind, x, **options):
    """Distribution function of the limit law of ``kind`` (mp, ck, ntk) at x (any shape, any
    order), atoms included: a Quantity whose ``err`` is NaN (the tabulated CDF carries no
    error bar; its status says whether its total mass came to 1)."""
    x = np.asarray(x, dtype=float)
    values, inv = np.unique(np.ravel(x), return_inverse=True)
    t = table(kind, _law=True, x=values, **options).cdf
    shape = x.shape
    return Quantity(t["cdf"][inv].reshape(shape), np.full(shape, np.nan),
                    t["status"][inv].reshape(shape))


_MAXLAM = 16   # --stats takes at most this many values per run (the CLI says so if not)


def stats(kind, lam=(1.0,), **options):
    """The linear statistics of ``kind --stats``: a dict name -> Quantity over the runs:
    ``trK/n`` and ``trK2/n`` (first and second moments), ``atom`` (mass at 0, ck/ntk/mp),
    and ``res`` = (1/n) tr (K + lam)^-1 = -m(-lam), the resolvent trace, of lam's shape."""
    lam = np.asarray(lam, dtype=float)
    values, inv = np.unique(np.ravel(lam), return_inverse=True)
    out, res = {}, []
    for k in range(0, max(len(values), 1), _MAXLAM):
        t = table(kind, stats=values[k:k + _MAXLAM], **options)
        for row in t.data:
            name = str(row["stat"])
            if name.startswith("res("):
                res.append(row)
            elif name not in out:
                out[name] = Quantity(row["theory"], row["err"], row["status"])
    if res:
        r = np.array(res)[inv].reshape(lam.shape)
        out["res"] = Quantity(r["theory"], r["err"], r["status"])
    return out


def resolvent(kind, lam, **options):
    """(1/n) tr (K + lam)^-1 of ``kind`` at lam > 0 (any shape): a Quantity."""
    return stats(kind, lam, **options)["res"]


def moments(kind, **options):
    """First and second moments (1/n) tr K, (1/n) tr K^2 (and the atom at 0 where the kind
    has one) as Quantities."""
    return {k: v for k, v in stats(kind, **options).items() if k != "res"}


def simulate(command, **options):
    """``deqnn COMMAND --simulate``: the Table (theory and simulation columns, verdicts) with
    ``summary`` (mp/ck/ntk/train), ``seeds`` and ``per_seed(name)`` (values per replicate:
    rf/onestep/spiked errors, mp/ck/ntk/spiked statistics) and ``eigenvalue_matrix()``
    (mp/ck/ntk).  Same
    seeds, same numbers as the CLI (``seed=``, ``seeds=``; any thread count)."""
    if command == "train":
        return table(command, **options)
    return table(command, simulate=True, **options)
