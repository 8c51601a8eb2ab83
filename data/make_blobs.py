#!/usr/bin/env python3
"""Write data/blobs_200.csv: 200 samples in dimension 40, four Gaussian clusters (a fixed,
structured data set far from the pairwise-orthogonal regime, for the --input reference curves;
docs/data.md).  Cluster c (sample a has c = a mod 4) has mean 4 (e_{10c} + ... + e_{10c+9})/sqrt(10)
+ 0.8 (e_0 + ... + e_39)/sqrt(40) and unit noise.  Python's random with seed 14 (Mersenne
Twister; gauss() is stable across Python 3 versions); 6 decimals.  The CSV is what the tests
read; this script only documents how it was made."""
import math
import random

random.seed(14)
n, d = 200, 40
with open("blobs_200.csv", "w") as f:
    f.write("# 200 samples, dimension 40, four Gaussian clusters (data/make_blobs.py)\n")
    for a in range(n):
        c = a % 4
        row = []
        for j in range(d):
            m = 0.8 / math.sqrt(40) + (4.0 / math.sqrt(10) if j // 10 == c else 0.0)
            row.append("%.6f" % (m + random.gauss(0.0, 1.0)))
        f.write(",".join(row) + "\n")
