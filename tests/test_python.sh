#!/bin/sh
# The Python package's tests (python/tests, pytest) against this build: Debian's python3 with
# numpy, pytest and pandas (python3-numpy, python3-pytest, python3-pandas; quickstart.sh
# installs them); without them the test is skipped (exit 77).
# Usage: test_python.sh LIBDEQNN DEQNN SOURCE_ROOT
lib=$1 exe=$2 root=$3
for py in /usr/bin/python3 python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import numpy, pytest, pandas' 2>/dev/null; then
    DEQNN_LIB=$lib DEQNN_EXE=$exe exec "$py" -m pytest -q -p no:cacheprovider "$root/python/tests"
  fi
done
echo "no python3 with numpy, pytest and pandas: skipped"
exit 77
