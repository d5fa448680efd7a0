#!/usr/bin/env bash
# Runs every test of the project: type check, Rust (the function and the .apr tool), Python, jest.
# Every suite runs even when an earlier one fails; the last line sums them up, and the exit code is
# non-zero when any suite failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 broken=()
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

add_counts() { passed=$((passed + $1)); failed=$((failed + $2)); }

run_cargo() { # name, command...: a cargo test run whose "N passed; M failed" lines are summed
  local name=$1 log="$logs/$1.log"
  shift
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local p f
  p=$(grep -oE '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')
  f=$(grep -oE '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')
  add_counts "$p" "$f"
  ((status == 0)) || broken+=("$name")
}

echo "== type check"
npx --no-install tsc --noEmit -p . || broken+=("tsc")

echo "== cargo test: the .apr tool"
run_cargo apr-pack cargo test --release --locked --manifest-path tools/apr-pack/Cargo.toml
echo "== cargo test: the Rust function"
run_cargo lambda-apr npm run --silent test:rust

echo "== pytest: the PyTorch function"
log="$logs/pytest.log"
baselines/pytorch-wine/.venv/bin/python -m pytest -q baselines/pytorch-wine/tests 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(tail -n 1 "$log")
add_counts "$(grep -oE '[0-9]+ passed' <<<"$summary" | awk '{print $1+0}' || echo 0)" \
           "$(grep -oE '[0-9]+ (failed|error)' <<<"$summary" | awk '{s+=$1} END {print s+0}')"
((status == 0)) || broken+=("pytest")

echo "== jest"
npx --no-install jest --json --outputFile="$logs/jest.json" --testLocationInResults 2>&1
status=$?
if [[ -f "$logs/jest.json" ]]; then
  add_counts "$(node -p "require('$logs/jest.json').numPassedTests")" "$(node -p "require('$logs/jest.json').numFailedTests")"
fi
((status == 0)) || broken+=("jest")

echo
if ((${#broken[@]})); then echo "failing suites: ${broken[*]}"; fi
echo "all suites: $passed passed, $failed failed"
((${#broken[@]} == 0))
