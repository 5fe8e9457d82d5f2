#!/usr/bin/env bash
# Issue 18, item 4: does the function's zstd (zstd-jni, native) load and work on arm64 (Lambda's Graviton)?
# Runs ArmCheck with an arm64 JVM under qemu-user against the Lambda zip's own classes and native libraries: it says
# whether zstd is native there, compresses a chunk, decodes it back and checks that a lying plain length is refused; then
# again with -Dchunkvault.zstd.native=false (aircompressor's pure-Java fallback). Not a Lambda: the same aarch64
# library, instruction set and a glibc (Debian 12: 2.36) in the range Lambda's arm64 runtimes have (2.26-2.34; the
# library needs 2.17).
# Needs (Debian, as root): dpkg --add-architecture arm64 && apt-get update && apt-get install -y qemu-user
#   openjdk-17-jre-headless:arm64; and the function zip: mvn -B -pl functions/api -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/../.."
zip=functions/api/target/chunkvault-functions-lambda.zip
arm_java=${ARM_JAVA:-/usr/lib/jvm/java-17-openjdk-arm64/bin/java}
[[ -f "$zip" ]] || { echo "missing $zip: mvn -B -pl functions/api -am package -DskipTests" >&2; exit 1; }
[[ -x "$arm_java" ]] && command -v qemu-aarch64 >/dev/null || { sed -n '8,9p' "$0" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unzip -q "$zip" -d "$work/fn"
javac -cp "$work/fn" -d "$work/classes" bench/arm64/ArmCheck.java
echo "== amd64 (this machine)"
java -cp "$work/fn:$work/classes" ArmCheck
echo "== arm64 (qemu-aarch64), native zstd"
qemu-aarch64 -L / "$arm_java" -cp "$work/fn:$work/classes" ArmCheck
echo "== arm64 (qemu-aarch64), the pure-Java fallback"
qemu-aarch64 -L / "$arm_java" -Dchunkvault.zstd.native=false -cp "$work/fn:$work/classes" ArmCheck
