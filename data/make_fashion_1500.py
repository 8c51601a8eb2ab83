#!/usr/bin/env python3
"""Write data/fashion_1500_14x14.idx.gz: the first 1,500 Fashion-MNIST test images
(t10k-images-idx3-ubyte.gz of Debian's dataset-fashion-mnist, rows 0..1499), each 28 x 28 image
averaged over 2 x 2 blocks to 14 x 14 (sum of the four pixels + 2, integer-divided by 4), as an
IDX file (u8, shape 1500 x 14 x 14), gzip level 9.  A small fixed subset of real images for the
simulation tests and `deqnn check` of `deqnn ck --input` (docs/data.md), so that CI does not
depend on the package.  The IDX.gz is what the tests read; this script documents how it was
made (run it from data/ with the package installed)."""
import gzip
import struct

SRC = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
N = 1500
raw = gzip.open(SRC).read()
assert raw[:4] == bytes([0, 0, 8, 3])
out = bytearray()
for a in range(N):
    im = raw[16 + 784 * a: 16 + 784 * (a + 1)]
    for i in range(14):
        for j in range(14):
            s = (im[56 * i + 2 * j] + im[56 * i + 2 * j + 1]
                 + im[56 * i + 28 + 2 * j] + im[56 * i + 28 + 2 * j + 1])
            out.append((s + 2) // 4)
head = bytes([0, 0, 8, 3]) + struct.pack(">III", N, 14, 14)
with open("fashion_1500_14x14.idx.gz", "wb") as f:
    f.write(gzip.compress(head + bytes(out), 9, mtime=0))
