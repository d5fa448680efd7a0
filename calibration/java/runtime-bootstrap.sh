#!/bin/sh
# Starts a Java calibration function as the managed Java runtimes do: `runtime-bootstrap.sh JAVA JVM-ARGS...`
# execs JAVA with the runtime client's JNI library given at a path of its own. The managed runtimes pass
# -Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=/var/runtime/lib/jni/...;
# without it the client copies the library out of its jar to /tmp/.libaws-lambda-jni.so at every start. Here
# /tmp is one folder for every JVM on the machine, and a start that rewrites that file while another JVM is
# loading it kills that JVM with SIGBUS. The library is unpacked once by scripts/setup-calibration.sh into
# target/jni beside this script; System.load needs an absolute path, hence ${0%/*} (this script's folder,
# absolute: the target files give the command as a path, which the local service resolves).
java=$1
shift
exec "$java" "-Dcom.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI=${0%/*}/target/jni/libaws-lambda-jni.linux-x86_64.so" "$@"
