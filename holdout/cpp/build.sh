#!/usr/bin/env bash
# Builds the C++ hold-out function (holdout/cpp) the way lambda-perf builds its "c++ 11 (prov.al2023)"
# function, and packages it the way aws-lambda-cpp's packager (aws_lambda_package_target) does:
#
#   dist/bootstrap   a bash script that execs the bundled dynamic loader on bin/hello with --library-path lib
#   dist/bin/hello   the function (main.cpp linked against aws-lambda-cpp and a static libcurl)
#   dist/lib/        the loader, the shared libraries the binary needs, and the C library's own shared objects
#   dist/function.zip  the three zipped (what would be uploaded to Lambda)
#
# and a second package of the same binary, dist-no-libc/, the way lambda-perf packages its "c++ 11
# (prov.al2)" function (aws_lambda_package_target(... NO_LIBC)): no C library, no loader; the bootstrap
# execs bin/hello directly with lib/ on LD_LIBRARY_PATH, and lib/ holds only what ldd names outside the C
# library (libstdc++, libgcc_s), so the system's loader and glibc are used.
#
# aws-lambda-cpp and curl come from the npm package aws-lambda-ric (pinned below), which ships their sources
# under deps/. Everything is built under holdout/cpp/.build. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
build="$here/.build"
dist="$here/dist"
prefix="$build/install"

RIC_VERSION=3.3.0
# sha512 of aws-lambda-ric-3.3.0.tgz; npm's integrity for it is
# sha512-9p06TbKVK4a050NY/vYOxhMHvnIiUu5o1W0//q6yNLSqA/c91pn4BOj3C3sRTpplkUNsGJdU5qWyU2STo6L8hA==
RIC_SHA512=f69d3a4db2952b86b4e74358fef60ec61307be722252ee68d56d3ffeaeb234b4aa03f73dd699f804e8f70b7b114e9a6591436c189754e6a5b2536493a3a2fc84
AWS_LAMBDA_CPP_VERSION=0.2.8 # what aws-lambda-ric 3.3.0 ships (deps/versions)
CURL_TAG=7_83_1              # idem

# curl as lambda-perf configures it (static, no TLS, no zlib, no threads), plus explicit --without for the
# optional libraries configure would otherwise find on a development machine (lambda-perf's build image, the
# bare provided:al2023 with compilers, has none of their headers, so its curl has none of them either).
CURL_CONFIGURE_ARGS=(
  --disable-shared --disable-pthreads --disable-threaded-resolver --with-pic --without-ssl --without-zlib
  --without-libidn2 --without-brotli --without-zstd --without-nghttp2 --without-libpsl --without-libssh2
  --without-librtmp --disable-ldap --disable-ldaps
)
# The gconv modules Amazon Linux 2023's glibc package itself carries (the rest are in glibc-gconv-extra).
GCONV_BASE_MODULES=(ANSI_X3.110 ISO8859-15 ISO8859-1 CP1252 UNICODE UTF-16 UTF-32 UTF-7)

step=''
say() { printf 'holdout/cpp build: %s\n' "$*" >&2; }
trap 'rc=$?; if ((rc)); then say "FAILED at step: ${step:-start} (exit $rc)"; fi' EXIT

# A step's stamp holds what it was done with; a different recipe redoes it.
stamp_ok() { [[ -f "$1" && "$(cat "$1")" == "$2" ]]; }

step='tools'
# shellcheck source=../../scripts/lib/debian-packages.sh
source "$here/../../scripts/lib/debian-packages.sh"
install_debian_packages cmake g++ make zip autoconf automake libtool
command -v npm >/dev/null || { say "npm is required (it fetches aws-lambda-ric $RIC_VERSION from the npm registry)"; exit 1; }
command -v dpkg-query >/dev/null || { say "dpkg-query is required (it lists the C library's files to bundle)"; exit 1; }
mkdir -p "$build"

step="fetch aws-lambda-ric@$RIC_VERSION (npm pack)"
tgz="$build/aws-lambda-ric-$RIC_VERSION.tgz"
if [[ ! -f "$tgz" ]] || [[ $(sha512sum "$tgz" | cut -d' ' -f1) != "$RIC_SHA512" ]]; then
  say "fetching aws-lambda-ric@$RIC_VERSION with npm pack"
  rm -f "$tgz"
  (cd "$build" && npm pack "aws-lambda-ric@$RIC_VERSION" --loglevel=error >/dev/null)
  [[ -f "$tgz" ]] || { say "npm pack did not produce $tgz"; exit 1; }
  got=$(sha512sum "$tgz" | cut -d' ' -f1)
  if [[ "$got" != "$RIC_SHA512" ]]; then
    say "aws-lambda-ric-$RIC_VERSION.tgz has sha512 $got, expected $RIC_SHA512"
    rm -f "$tgz"
    exit 1
  fi
fi

step='unpack the aws-lambda-cpp and curl sources'
src="$build/src"
unpack_recipe="$RIC_SHA512 curl-wakeup-restored"
if ! stamp_ok "$src/.unpacked" "$unpack_recipe"; then
  rm -rf "$src"
  mkdir -p "$src"
  tar xzf "$tgz" -C "$src" --no-same-owner package/deps
  tar xzf "$src/package/deps/aws-lambda-cpp-$AWS_LAMBDA_CPP_VERSION.tar.gz" -C "$src" --no-same-owner
  tar xzf "$src/package/deps/curl-$CURL_TAG.tar.gz" -C "$src" --no-same-owner
  # aws-lambda-ric's copy of curl is patched to never create the multi handle's wake-up socket pair
  # (deps/patches/0001-curl-disable_wakeup.patch); lambda-perf builds a stock curl, so that is undone.
  header="$src/curl-curl-$CURL_TAG/lib/multihandle.h"
  if ! grep -q '^#define ENABLE_WAKEUP' "$header"; then
    sed -i '/^#define CURLPIPE_ANY (CURLPIPE_MULTIPLEX)$/a\
\
#if !defined(CURL_DISABLE_SOCKETPAIR)\
#define ENABLE_WAKEUP\
#endif' "$header"
    grep -q '^#define ENABLE_WAKEUP' "$header" || { say "could not restore ENABLE_WAKEUP in $header"; exit 1; }
  fi
  printf '%s' "$unpack_recipe" > "$src/.unpacked"
fi

jobs=$(nproc 2>/dev/null || echo 2)

step="build curl $CURL_TAG (static)"
curl_recipe="$unpack_recipe $prefix ${CURL_CONFIGURE_ARGS[*]}" # the prefix too: moving the folder rebuilds
if ! stamp_ok "$prefix/.curl" "$curl_recipe" || [[ ! -f "$prefix/lib/libcurl.a" ]]; then
  say "building curl $CURL_TAG (static, no TLS; a minute or two)"
  rm -f "$prefix/.curl" "$prefix/.aws-lambda-cpp"
  # (&& chains: errexit does not apply inside a subshell whose status is tested)
  (
    cd "$src/curl-curl-$CURL_TAG" &&
      autoreconf -fi >"$build/curl-autoreconf.log" 2>&1 &&
      ./configure --prefix="$prefix" "${CURL_CONFIGURE_ARGS[@]}" >"$build/curl-configure.log" 2>&1 &&
      make -j"$jobs" >"$build/curl-make.log" 2>&1 &&
      make install >>"$build/curl-make.log" 2>&1
  ) || { say "curl did not build; logs: $build/curl-*.log"; exit 1; }
  printf '%s' "$curl_recipe" > "$prefix/.curl"
fi

step="build aws-lambda-cpp $AWS_LAMBDA_CPP_VERSION"
cpp_recipe="$curl_recipe Release"
if ! stamp_ok "$prefix/.aws-lambda-cpp" "$cpp_recipe" || [[ ! -f "$prefix/lib/libaws-lambda-runtime.a" ]]; then
  say "building aws-lambda-cpp $AWS_LAMBDA_CPP_VERSION"
  rm -rf "$build/aws-lambda-cpp-build"
  (
    cmake -S "$src/aws-lambda-cpp-$AWS_LAMBDA_CPP_VERSION" -B "$build/aws-lambda-cpp-build" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
      -DCMAKE_PREFIX_PATH="$prefix" -DCURL_INCLUDE_DIR="$prefix/include" -DCURL_LIBRARY="$prefix/lib/libcurl.a" &&
      cmake --build "$build/aws-lambda-cpp-build" -j"$jobs" &&
      cmake --install "$build/aws-lambda-cpp-build"
  ) >"$build/aws-lambda-cpp.log" 2>&1 || { say "aws-lambda-cpp did not build; log: $build/aws-lambda-cpp.log"; exit 1; }
  printf '%s' "$cpp_recipe" > "$prefix/.aws-lambda-cpp"
fi

step='build the function (main.cpp)'
fn="$build/function"
if [[ ! -f "$fn/CMakeCache.txt" || "$prefix/.aws-lambda-cpp" -nt "$fn/CMakeCache.txt" ]] ||
  ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$here" "$fn/CMakeCache.txt"; then
  rm -rf "$fn"
  cmake -S "$here" -B "$fn" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DCURL_INCLUDE_DIR="$prefix/include" -DCURL_LIBRARY="$prefix/lib/libcurl.a" >"$build/function.log" 2>&1 \
    || { say "cmake could not configure the function; log: $build/function.log"; exit 1; }
fi
cmake --build "$fn" -j"$jobs" >>"$build/function.log" 2>&1 || { say "the function did not compile; log: $build/function.log"; exit 1; }
binary="$fn/hello"

step='package (bootstrap, bin, lib) as aws-lambda-cpp packager does'
# What the binary loads: lambda-perf's binary needs only the C and C++ runtimes (curl is static); anything
# else here means the build picked up a library it should not have.
deps=()
loader=''
while read -r lib; do
  case "$(basename "$lib")" in
    ld-linux-*) loader=$lib ;;
    libstdc++.so.*|libgcc_s.so.*|libm.so.*|libc.so.*) deps+=("$lib") ;;
    *) say "the binary links $lib, which lambda-perf's build would not (see $build/function.log)"; exit 1 ;;
  esac
done < <(ldd "$binary" | awk '$(NF-1) ~ /^\// {print $(NF-1)}')
[[ -n "$loader" ]] || { say "ldd names no dynamic loader for $binary"; exit 1; }

# The packager then adds the C library package's own shared objects (rpm -ql glibc on lambda-perf's
# Amazon Linux 2023 build image; here dpkg's libc6, narrowed to what AL2023's glibc package holds: no
# libnsl, no NSS modules but files, dns and compat, only the base gconv modules).
libc_files=()
while read -r f; do
  name=$(basename "$f")
  case "$f" in
    */ld-linux-*) continue ;; # the loader, taken from ldd above
    */gconv/*)
      keep=0
      for m in "${GCONV_BASE_MODULES[@]}"; do [[ "$name" == "$m.so" ]] && keep=1; done
      ((keep)) || continue ;;
  esac
  case "$name" in
    libnsl.so*) continue ;;
    libnss_*) [[ "$name" =~ ^libnss_(files|dns|compat)\. ]] || continue ;;
  esac
  libc_files+=("$f")
done < <(dpkg-query --listfiles "libc6:$(dpkg --print-architecture)" | grep -E '\.so$|\.so\.[0-9]+$')
# AL2023's glibc package also carries the sotruss audit module, which Debian puts in libc6-dev.
sotruss=$(dpkg-query --listfiles "libc6-dev:$(dpkg --print-architecture)" 2>/dev/null | grep -E '/audit/sotruss-lib\.so$' || true)
[[ -n "$sotruss" && -f "$sotruss" ]] && libc_files+=("$sotruss")

stage="$build/package"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib"
cp "$binary" "$stage/bin/hello"
cp "$loader" "$stage/lib/"
for f in "${deps[@]}"; do cp "$f" "$stage/lib/"; done
for f in "${libc_files[@]}"; do [[ -e "$stage/lib/$(basename "$f")" ]] || cp --no-dereference "$f" "$stage/lib/"; done
cat > "$stage/bootstrap" <<EOF
#!/bin/bash
set -euo pipefail
export AWS_EXECUTION_ENV=lambda-cpp
exec \$LAMBDA_TASK_ROOT/lib/$(basename "$loader") --library-path \$LAMBDA_TASK_ROOT/lib \$LAMBDA_TASK_ROOT/bin/hello \${_HANDLER}
EOF
chmod 755 "$stage/bootstrap"

# A package directory is updated only where it differs, each file by a rename (a run may be executing the
# old one), and zipped again when anything changed.
publish() { # stage dir
  local stage=$1 dir=$2 changed=0 rel
  mkdir -p "$dir/bin" "$dir/lib"
  while read -r rel; do
    if ! cmp -s "$stage/$rel" "$dir/$rel"; then
      cp -p "$stage/$rel" "$dir/$rel.new"
      mv -f "$dir/$rel.new" "$dir/$rel"
      changed=1
    fi
  done < <(cd "$stage" && find . -type f -o -type l | sed 's|^\./||')
  while read -r rel; do # files no longer packaged
    [[ -e "$stage/$rel" || -L "$stage/$rel" ]] || { rm -f "$dir/$rel"; changed=1; }
  done < <(cd "$dir" && find bootstrap bin lib -type f -o -type l 2>/dev/null | sed 's|^\./||')
  step="zip $(basename "$dir")/function.zip"
  if ((changed)) || [[ ! -f "$dir/function.zip" ]]; then
    rm -f "$dir/function.zip"
    (cd "$dir" && zip -q -X -r -y function.zip bootstrap bin lib)
    say "packaged $(basename "$dir")/ ($(du -sb --exclude=function.zip "$dir" | cut -f1) bytes unpacked, function.zip $(stat -c %s "$dir/function.zip") bytes)"
  fi
}
publish "$stage" "$dist"

step='package without the C library (NO_LIBC), as lambda-perf packages c++ 11 (prov.al2)'
# The packager's --default-libc: only what ldd names outside the C library package; no loader.
stage_no_libc="$build/package-no-libc"
rm -rf "$stage_no_libc"
mkdir -p "$stage_no_libc/bin" "$stage_no_libc/lib"
cp "$binary" "$stage_no_libc/bin/hello"
for f in "${deps[@]}"; do
  case "$(basename "$f")" in libm.so.* | libc.so.*) ;; *) cp "$f" "$stage_no_libc/lib/" ;; esac
done
cat > "$stage_no_libc/bootstrap" <<EOF
#!/bin/bash
set -euo pipefail
export AWS_EXECUTION_ENV=lambda-cpp
export LD_LIBRARY_PATH=\$LD_LIBRARY_PATH:\$LAMBDA_TASK_ROOT/lib
exec \$LAMBDA_TASK_ROOT/bin/hello \${_HANDLER}
EOF
chmod 755 "$stage_no_libc/bootstrap"
publish "$stage_no_libc" "$here/dist-no-libc"
step=''
