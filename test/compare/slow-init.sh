#!/bin/sh
# A function's runtime command behind a wrapper that sleeps COMPARE_EXTRA_INIT_MS milliseconds (0 to 999)
# first, then becomes the runtime (exec): a cold start whose INIT takes that much longer and nothing else
# changed. test/compare/compare.test.ts measures the .apr function through it to make a slowed target.
ms="${COMPARE_EXTRA_INIT_MS:-0}"
case "$ms" in
  ''|*[!0-9]*) echo "slow-init.sh: COMPARE_EXTRA_INIT_MS must be a whole number of milliseconds, got '$ms'" >&2; exit 2 ;;
esac
if [ "$ms" -gt 999 ]; then echo "slow-init.sh: COMPARE_EXTRA_INIT_MS must be below 1000, got $ms" >&2; exit 2; fi
if [ "$ms" -gt 0 ]; then sleep "$(printf '0.%03d' "$ms")"; fi
exec "$@"
