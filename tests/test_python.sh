#!/bin/sh
# The Python package's tests (python/tests) against this build: a python3 with numpy is
# required (Debian: python3-numpy); without one the test is skipped (exit 77).
# Usage: test_python.sh LIBDEQNN DEQNN SOURCE_ROOT
lib=$1 exe=$2 root=$3
for py in /usr/bin/python3 python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import numpy' 2>/dev/null; then
    DEQNN_LIB=$lib DEQNN_EXE=$exe exec "$py" "$root/python/tests/test_deqnn.py"
  fi
done
echo "no python3 with numpy: skipped"
exit 77
