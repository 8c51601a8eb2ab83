#!/bin/sh
# Every function declared in include/deqnn/*.h has at least one row in test_api_misuse.c.
# usage: test_api_coverage.sh INCLUDE_DIR TEST_FILE
inc=$1
test=$2
funcs=$(grep -ho 'deq_[a-z0-9_]*(' "$inc"/*.h | tr -d '(' | grep -v '^deq_error_handler_t$' | sort -u)
n=0
missing=0
for f in $funcs; do
  n=$((n + 1))
  if ! grep -q "X($f," "$test"; then
    echo "no misuse row for $f"
    missing=$((missing + 1))
  fi
done
echo "$n public functions, $missing without a misuse row"
[ "$missing" -eq 0 ]
