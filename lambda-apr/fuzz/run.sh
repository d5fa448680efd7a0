#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, starting from seeds made of the real model and the
# contract's reference payload, and prints libFuzzer's final statistics for each.
#
#   bash lambda-apr/fuzz/run.sh [seconds per target, default 180]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). cargo-fuzz passes nightly-only flags to rustc;
# RUSTC_BOOTSTRAP=1 lets a stable toolchain accept them (its AddressSanitizer runtime ships with
# the standard library). Findings land in artifacts/<target>/, the grown corpus in corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-180}
export RUSTC_BOOTSTRAP=1

reference='{"fixed_acidity":7.0,"volatile_acidity":0.3,"citric_acid":0.3,"residual_sugar":2.0,"chlorides":0.05,"free_sulfur_dioxide":30.0,"total_sulfur_dioxide":100.0,"density":0.995,"pH":3.3,"sulphates":0.6,"alcohol":10.5}'
model=../model/wine.apr
mkdir -p corpus/handle_event corpus/apr_reader corpus/http_response target/fuzz-logs

# handle_event: mode byte 0 = raw event, 1 = proxy body, 2 = base64 proxy body.
for mode in 0 1 2; do
  { printf "\\x0$mode"; printf '%s' "$reference"; } > "corpus/handle_event/seed-reference-$mode"
done
{ printf '\x00'; printf '{"body":"%s","isBase64Encoded":true}' "$(printf '%s' "$reference" | base64 -w0)"; } > corpus/handle_event/seed-proxy
# apr_reader: mode 0 = file as stored, 1 = CRC32 recomputed over the rest.
{ printf '\x00'; cat "$model"; } > corpus/apr_reader/seed-model-stored
{ printf '\x01'; head -c -4 "$model"; } > corpus/apr_reader/seed-model-crc-fixed
# http_response: mode byte, then a response as the Runtime API sends it.
{ printf '\x40'; printf 'HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: 8476a536\r\nContent-Length: %d\r\n\r\n%s' "${#reference}" "$reference"; } > corpus/http_response/seed-length
{ printf '\x41'; printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n0\r\nT: v\r\n\r\n'; } > corpus/http_response/seed-chunked
{ printf '\x02'; printf 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 202 Accepted\r\nConnection: close\r\n\r\n{"status":"OK"}'; } > corpus/http_response/seed-close

cargo fuzz build --release
for target in handle_event apr_reader http_response; do
  echo "== $target: ${seconds}s"
  cargo fuzz run --release "$target" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 \
    > "target/fuzz-logs/$target.log" 2>&1 || { tail -40 "target/fuzz-logs/$target.log"; echo "== $target: FAILED (see target/fuzz-logs/$target.log, artifacts/$target/)"; exit 1; }
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "target/fuzz-logs/$target.log" || true
  tail -1 "target/fuzz-logs/$target.log"
done
