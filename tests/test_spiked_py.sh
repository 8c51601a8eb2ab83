#!/bin/sh
# Run a numpy test of the spiked command (tests/spiked_*.py) with a python3 that has numpy
# (Debian: python3-numpy; the first of /usr/bin/python3, python3); skipped (77) without one.
# Usage: test_spiked_py.sh SCRIPT DEQNN
script=$1 exe=$2
for py in /usr/bin/python3 python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import numpy' 2>/dev/null; then
    OPENBLAS_NUM_THREADS=1 exec "$py" "$script" "$exe"
  fi
done
echo "no python3 with numpy: skipped"
exit 77
