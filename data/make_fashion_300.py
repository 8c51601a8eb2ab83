#!/usr/bin/env python3
"""Write data/fashion_t10k_300.idx.gz: the first 300 Fashion-MNIST test images, unchanged
(t10k-images-idx3-ubyte.gz of Debian's dataset-fashion-mnist, rows 0..299, 28 x 28 u8), as an
IDX file, gzip level 9.  These are the images of real_data R24's reference values (the matrix
pencil of docs/data.md is tested against them in tests/test_datapencil.c), kept here so that CI
does not depend on the package.  Run from data/ with the package installed."""
import gzip
import struct

SRC = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
N = 300
raw = gzip.open(SRC).read()
assert raw[:4] == bytes([0, 0, 8, 3])
head = bytes([0, 0, 8, 3]) + struct.pack(">III", N, 28, 28)
body = raw[16:16 + 784 * N]
assert sum(body[:784]) == 33456 and sum(body[784 * 299:784 * 300]) == 43991   # R24's checks
with open("fashion_t10k_300.idx.gz", "wb") as f:
    f.write(gzip.compress(head + body, 9, mtime=0))
