"""The numpy side of the comparison in docs/network.md: the CLI's default CK network
(3-layer tanh, ratios n/d_l = 0.5, 0.8, 1.2, 1.71, Gaussian input), two replicates, the CK
X_L^T X_L and its eigenvalues, as `deqnn ck --simulate --n N --seeds 2` computes them.
Usage: python3 bench/np_ck.py [N]  (default 2000); time it with /usr/bin/time -v."""
import sys
import numpy as np

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
ratios = [0.5, 0.8, 1.2, 1.71]
d = [int(round(n / g)) for g in ratios]
scale = np.sqrt(0.3942944903978217)   # normalised tanh: shift 0, scale sqrt(E tanh(g)^2)
for rep in range(2):
    rng = np.random.default_rng(rep)
    X = rng.standard_normal((d[0], n)) / np.sqrt(d[0])
    for l in range(1, 4):
        W = rng.standard_normal((d[l], d[l - 1]))
        X = np.tanh(W @ X) / scale / np.sqrt(d[l])
    ev = np.linalg.eigvalsh(X.T @ X)
print(ev[-1])
