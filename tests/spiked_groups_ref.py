"""An independent numpy implementation of spiked_finite_support F1-F18 (relu features, relu or
linear teacher, K spike groups), written from the spec page, not from the C code, and a
comparison with `deqnn spiked` (issue 16: "group-resolved values agree with an independent
implementation to 1e-8 (densities 1e-6)").

Differences of route from the C code, on purpose: the kappa rule is 10-point Gauss-Legendre on
400 panels over [-12, 12] (the C code: 8 points, 240 panels, [-11, 11]); the bulk system F6 is
solved by Newton on the 2 nunk real unknowns with a forward-difference Jacobian (the C code:
complex Newton with the exact Jacobian); F16 by central differences of the inner solve (the
spec's route; the C code: the implicit-function derivative); densities by a ladder in Im z.
Usage: spiked_groups_ref.py DEQNN
"""
import math
import subprocess
import sys

import numpy as np

SQ2PI = math.sqrt(2 * math.pi)


def rule(panels=400, order=10, lim=12.0):
    t, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(-lim, lim, panels + 1)
    h = (edges[1:] - edges[:-1]) / 2
    mid = (edges[1:] + edges[:-1]) / 2
    k = (mid[:, None] + h[:, None] * t[None, :]).ravel()
    wt = (h[:, None] * w[None, :]).ravel() * np.exp(-k * k / 2) / SQ2PI
    return k, wt


def Phi(u):
    return 0.5 * (1 + np.vectorize(math.erf)(u / math.sqrt(2)))


def relu_coef(s, c):
    """spiked_rf S4 (F1 at s = r a kappa): mu0, mu1, mus2 = E relu^2 - mu0^2 - c mu1^2."""
    sc = math.sqrt(c)
    u = s / sc
    P, ph = Phi(u), np.exp(-u * u / 2) / SQ2PI
    mu0 = s * P + sc * ph
    mu1 = P
    e2 = (s * s + c) * P + s * sc * ph
    return mu0, mu1, np.maximum(e2 - mu0 * mu0 - c * mu1 * mu1, 0.0)


def teacher(kind, gamma, k):
    """h, h1, hh of spiked_rf S14 for f* = relu or linear."""
    rho = math.sqrt(1 - gamma * gamma)
    if kind == "linear":
        return gamma * k, rho + 0 * k, gamma * gamma * k * k + rho * rho
    s = gamma * k
    if rho == 0:
        return np.maximum(s, 0), 0 * k, np.maximum(s, 0) ** 2
    u = s / rho
    P, ph = Phi(u), np.exp(-u * u / 2) / SQ2PI
    return s * P + rho * ph, rho * P, (s * s + rho * rho) * P + s * rho * ph


class Model:
    def __init__(self, r, c, a, pi, phi, sample, teach="relu", gamma=1.0):
        self.k, self.wt = rule()
        self.c, self.phi, self.psi = c, phi, phi / sample
        self.pi = np.asarray(pi, float) / np.sum(pi)
        self.K = len(a)
        co = [relu_coef(r * ak * self.k, c) for ak in a]
        self.mu0 = np.array([x[0] for x in co])    # K x n
        self.mu1 = np.array([x[1] for x in co])
        self.mus2 = np.array([x[2] for x in co])
        self.h, self.h1, self.hh = teacher(teach, gamma, self.k)
        self.iu = np.triu_indices(self.K)
        self.scale = float(np.sum(self.wt * (self.pi[:, None] * (c * self.mu1 ** 2 + self.mus2)).sum(0)))

    # packing: V = (upper triangle of V1, V2)
    def unpack(self, V):
        K = self.K
        nv1 = len(self.iu[0])
        V1 = np.zeros((K, K), dtype=V.dtype)
        V1[self.iu] = V[:nv1]
        V1 = V1 + V1.T - np.diag(np.diag(V1))
        return V1, V[nv1:]

    def sums(self, V):
        V1, V2 = self.unpack(V)
        delta = np.einsum("kn,kl,ln->n", self.mu1, V1, self.mu1) + V2 @ self.mus2    # F4
        w = 1 / (1 + delta)
        A = np.einsum("n,kn,ln->kl", self.wt * w, self.mu1, self.mu1)                # F5
        b = self.mus2 @ (self.wt * w)
        return A, b, w

    def f6(self, A, beta, V2):
        """F6: (V1, V2) from A, beta and the current V2 (D = diag(V2)/psi)."""
        c, phi, psi, K = self.c, self.phi, self.psi, self.K
        D = np.diag(V2) / psi
        Minv = np.linalg.inv(np.eye(K) + c * phi * A @ D)
        e = c * np.diag(Minv @ A)
        V2n = psi * self.pi / (beta + e)
        V1n = psi * c * D @ Minv
        V1n = (V1n + V1n.T) / 2
        return V1n, V2n

    def T(self, V, z):
        A, b, _ = self.sums(V)
        V1n, V2n = self.f6(A, b - z, self.unpack(V)[1])
        return np.concatenate([V1n[self.iu], V2n])

    def newton(self, V, z, tol=1e-15, maxit=60):
        """Newton on R(V) = V - T(V) in the 2 nunk real coordinates, forward-difference J."""
        def R(x):
            v = x[: len(x) // 2] + 1j * x[len(x) // 2:]
            r = v - self.T(v, z)
            return np.concatenate([r.real, r.imag])
        x = np.concatenate([V.real, V.imag])
        for _ in range(maxit):
            r0 = R(x)
            J = np.empty((len(x), len(x)))
            for j in range(len(x)):
                hj = 1e-7 * max(abs(x[j]), 1e-3)
                xp = x.copy()
                xp[j] += hj
                J[:, j] = (R(xp) - r0) / hj
            dx = np.linalg.solve(J, -r0)
            x = x + dx
            if np.max(np.abs(dx)) < tol * (1 + np.max(np.abs(x))):
                break
        return x[: len(x) // 2] + 1j * x[len(x) // 2:]

    def cold(self, z):
        c, psi = self.c, self.psi
        V1 = np.diag(-psi * c * self.pi / z)
        return np.concatenate([V1[self.iu], -psi * self.pi / z]).astype(complex)

    def solve(self, z):
        """Ladder in Im z from 10 (scale + |Re z|) down to Im z (the physical branch)."""
        y = 10 * (self.scale + abs(z.real)) + 1
        V = self.newton(self.cold(complex(z.real, y)), complex(z.real, y))
        while y > z.imag:
            y = max(y / 3, z.imag) if y / 3 > 1e-3 * self.scale else z.imag
            V = self.newton(V, complex(z.real, y))
        return V

    def m(self, V):
        return np.sum(self.unpack(V)[1]) / self.psi                                   # F7

    def density(self, x):
        eta = 1e-7 * self.scale          # the height of deqnn's density (spiked.h)
        return self.m(self.solve(complex(x, eta))).imag / math.pi                  # F8

    def stieltjes_real(self, lam):
        V = self.newton(self.cold(complex(-lam, 0)), complex(-lam, 0))
        return self.m(V).real, V.real

    # ---- F12-F18 -----------------------------------------------------------------------
    def inner(self, A, s):
        """V(A, s) of F16: F6 with beta = s fixed, iterated on V2 (K unknowns) by Newton."""
        V2 = self.psi * self.pi / (s + self.c * np.diag(A))
        for _ in range(100):
            def g(v):
                return v - self.f6(A, s, v)[1]
            r0 = g(V2)
            J = np.empty((self.K, self.K))
            for j in range(self.K):
                hj = 1e-7 * abs(V2[j])
                vp = V2.copy()
                vp[j] += hj
                J[:, j] = (g(vp) - r0) / hj
            d = np.linalg.solve(J, -r0)
            V2 = V2 + d
            if np.max(np.abs(d)) < 1e-16 * np.max(np.abs(V2)):
                break
        V1, V2 = self.f6(A, s, V2)
        return np.concatenate([V1[self.iu], V2])

    def risk(self, lam, noise=0.0):
        K, c, phi, psi = self.K, self.c, self.phi, self.psi
        _, V = self.stieltjes_real(lam)
        V1, V2 = self.unpack(V)
        A, b, w = self.sums(V)
        gw = self.wt * w
        k = self.k
        tv = c * phi / psi * V2                                                     # F12
        Emm = np.einsum("n,kn,ln->kl", gw, self.mu0, self.mu0)
        Emt = np.einsum("n,kn,ln->kl", gw * k, self.mu0, self.mu1)
        Ett = np.einsum("n,kn,ln->kl", gw * k * k, self.mu1, self.mu1)
        keep = [j for j in range(K) if np.sum(self.wt * self.mu0[j] ** 2) > 1e-20 * self.scale]
        Kp = len(keep)
        M = np.zeros((Kp + K, Kp + K))                                              # F13
        rhs = np.zeros(Kp + K)
        M[:Kp, :Kp] = Emm[np.ix_(keep, keep)]
        M[:Kp, Kp:] = Emt[keep, :]
        rhs[:Kp] = (gw * self.h) @ self.mu0[keep].T
        M[Kp:, :Kp] = tv[:, None] * Emt[keep, :].T
        M[Kp:, Kp:] = np.eye(K) + tv[:, None] * Ett
        rhs[Kp:] = tv * ((gw * k * self.h) @ self.mu1.T)
        sol = np.linalg.lstsq(M, rhs, rcond=1e-13)[0]
        m = np.zeros(K)
        m[keep] = sol[:Kp]
        th = sol[Kp:]
        cbar = m @ self.mu0 + k * (th @ self.mu1)
        Eth = (gw * k * (self.h - cbar)) @ self.mu1.T                               # F14
        Eps = (gw * self.h1) @ self.mu1.T
        psio = phi / psi * V1 @ Eps
        R0 = self.hh - 2 * self.h * cbar + cbar ** 2 - 2 * self.h1 * (psio @ self.mu1)   # F15
        # F16: DV by central differences of the inner solve at (A, s = b + lam)
        s = b + lam
        nv1 = len(self.iu[0])
        nu = nv1 + K
        DV = np.empty((nu, nu))
        for j in range(nu):
            dA, ds = np.zeros((K, K)), np.zeros(K)
            if j < nv1:
                dA[self.iu[0][j], self.iu[1][j]] = dA[self.iu[1][j], self.iu[0][j]] = 1
                step = 1e-5 * abs(A[self.iu[0][j], self.iu[1][j]])
            else:
                ds[j - nv1] = 1
                step = 1e-5 * abs(s[j - nv1])
            DV[:, j] = (self.inner(A + step * dA, s + step * ds)
                        - self.inner(A - step * dA, s - step * ds)) / (2 * step)
        # F17
        gw2 = gw * w
        src = gw2 * (R0 + noise)
        G1 = np.einsum("n,kn,ln->kl", src, self.mu1, self.mu1) + phi / psi * np.outer(Eps, Eps)
        G2 = src @ self.mus2.T + phi / psi * c * Eth * Eth
        G0 = np.concatenate([G1[self.iu], G2])
        # N q: res_q = mu1^T q1 mu1 + mus2^T q2, q1 symmetric from its upper triangle
        basis = []
        for j in range(nu):
            e = np.zeros(nu)
            e[j] = 1
            q1, q2 = self.unpack(e)
            res = np.einsum("kn,kl,ln->n", self.mu1, q1, self.mu1) + q2 @ self.mus2
            basis.append(np.concatenate([np.einsum("n,kn,ln->kl", gw2 * res, self.mu1,
                                                   self.mu1)[self.iu], (gw2 * res) @ self.mus2.T]))
        N = np.array(basis).T
        q = np.linalg.solve(np.eye(nu) + DV @ N, -DV @ G0)
        q1, q2 = self.unpack(q)
        resq = np.einsum("kn,kl,ln->n", self.mu1, q1, self.mu1) + q2 @ self.mus2
        test = np.sum(self.wt * (R0 + resq))                                        # F18
        train = np.sum(gw2 * (R0 + resq + noise))          # docs/spiked.md T1
        return test, train


def run(exe, args):
    out = subprocess.run([exe, "spiked", *args], check=True, capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if not l.startswith("#")]
    head = lines[0].split(",")
    return [dict(zip(head, l.split(","))) for l in lines[1:]]


def main():
    exe = sys.argv[1]
    cases = [  # (support, weights, r, c, phi, sample, teacher, gamma, lam, noise)
        ((0, 1), (0.5, 0.5), 2.0, 1.0, 1.2, 1.5, "relu", 1.0, 0.05, 0.0),
        ((1, -1), (0.5, 0.5), 1.5, 1.2, 0.8, 1.3, "linear", 0.8, 0.1, 0.05),
        ((0, 1), (0.3, 0.7), 1.2, 1.0, 0.8, 0.64, "relu", 0.7, 0.02, 0.0),
    ]
    worst_r = worst_d = 0.0
    fails = 0
    for sup, wts, r, c, phi, sample, teach, gamma, lam, noise in cases:
        M = Model(r, c, sup, wts, phi, sample, teach, gamma)
        law = ["--act", "relu", "--spike", repr(r), "--bulk-variance", repr(c),
               "--width-ratio", repr(phi), "--sample-ratio", repr(sample),
               "--spike-support", ",".join(map(str, sup)), "--spike-weights",
               ",".join(map(str, wts))]
        row = run(exe, law + ["--teacher", teach, "--alignment", repr(gamma), "--lambda",
                              repr(lam), "--noise", repr(noise)])[0]
        test, train = M.risk(lam, noise)
        for name, ref in (("test_error", test), ("train_error", train)):
            d = abs(float(row[name]) - ref)
            worst_r = max(worst_r, d)
            ok = d <= 1e-8
            fails += not ok
            print(f"{sup} {wts} r={r}: {name} deqnn {row[name]} numpy {ref:.15g} |d| {d:.2g}"
                  f" {'ok' if ok else 'FAIL'}")
        stats = run(exe, law + ["--stats", "0.05,0.5"])
        for st, lam2 in zip(stats, (0.05, 0.5)):
            ref = M.stieltjes_real(lam2)[0]
            d = abs(float(st["theory"]) - ref)
            worst_r = max(worst_r, d)
            fails += d > 1e-8
            print(f"  m(-{lam2}): deqnn {st['theory']} numpy {ref:.15g} |d| {d:.2g}")
        xs = [0.3 * M.scale, 0.9 * M.scale, 1.6 * M.scale]
        dens = run(exe, law + ["--x", ",".join(repr(x) for x in xs)])
        for row_d, x in zip(dens, xs):
            ref = M.density(x)
            d = abs(float(row_d["density"]) - ref)
            worst_d = max(worst_d, d)
            fails += d > 1e-6
            print(f"  rho({x:.4g}): deqnn {row_d['density']} numpy {ref:.12g} |d| {d:.2g}")
    print(f"largest difference: risk and m {worst_r:.2g} (allowed 1e-8), density {worst_d:.2g} "
          f"(allowed 1e-6)")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
