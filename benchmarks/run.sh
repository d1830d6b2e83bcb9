#!/usr/bin/env bash
# Builds the benchmarks and runs all of them: the JMH suites, the interleaved cross-check, the loopback load test,
# then the report.
#
#   benchmarks/run.sh [--quick] [--jdk PATH] [--skip-build]
#
#   --quick       a short run (under ten minutes on 2 cores): 1 fork, 2 x 1 s warm-up, 3 x 1 s measurement
#                 (the provider comparison 1 + 2), mint on ES256 and RS256 only, a short cross-check and a 4 s
#                 load test.
#                 Without it: the annotations' settings (2 forks, 5 x 2 s warm-up, 5 x 2 s measurement; about an
#                 hour), a longer cross-check and a 10 s load test.
#   --jdk PATH    the JDK to run on (default /usr/lib/jvm/java-17-openjdk-amd64; Temurin 25 is at
#                 /usr/lib/jvm/temurin-25-jdk-amd64). The build itself uses Maven's JDK (release 17 bytecode).
#   --skip-build  reuse benchmarks/target/lanyard-benchmarks.jar.
#
# Writes benchmarks/results/jmh-<jdk>.json (JMH JSON of every suite, with the CpuTimeProfiler's per-operation CPU
# time), crosscheck-<jdk>.json (CrossCheck: the target comparisons again, interleaved in one JVM), loadtest-<jdk>.json
# and report-<jdk>.md (the tables, also printed), where <jdk> is the Java feature version (17, 25).
set -euo pipefail

cd "$(dirname "$0")/.."
QUICK=0
BUILD=1
JDK=/usr/lib/jvm/java-17-openjdk-amd64
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --skip-build) BUILD=0 ;;
    --jdk) JDK="$2"; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
JAVA="$JDK/bin/java"
[ -x "$JAVA" ] || { echo "no java at $JAVA" >&2; exit 2; }
VERSION=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk '/java.specification.version/ {print $3}')
RESULTS=benchmarks/results
JAR=benchmarks/target/lanyard-benchmarks.jar
mkdir -p "$RESULTS"

if [ "$BUILD" = 1 ]; then
  echo "== building (mvn -q -DskipTests package -pl benchmarks -am)"
  mvn -q -DskipTests package -pl benchmarks -am
fi
[ -f "$JAR" ] || { echo "missing $JAR: build first" >&2; exit 2; }

echo "== JDK $VERSION: $("$JAVA" -version 2>&1 | head -2 | tail -1)"
echo "== $(nproc) cores; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
START=$(date +%s)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

PROF=(-prof dev.lanyard.benchmarks.CpuTimeProfiler)
if [ "$QUICK" = 1 ]; then
  Q="-f 1 -wi 2 -w 1s -i 3 -r 1s"
  SUITES=(
    "VerifyBenchmark $Q"
    "MintBenchmark $Q -p alg=ES256,RS256"
    "X509Benchmark|PolicyBenchmark $Q"
    "ProviderBenchmark -f 1 -wi 1 -w 1s -i 2 -r 1s"
  )
  LOAD=(--seconds 4 --warmup 1 --fresh-tokens 4000)
  CROSS=(--rounds 5 --warmup-rounds 2 --batch-ms 100 --mint-algs ES256,RS256)
else
  SUITES=("VerifyBenchmark" "MintBenchmark" "X509Benchmark|PolicyBenchmark" "ProviderBenchmark")
  LOAD=(--seconds 10 --warmup 3 --fresh-tokens 20000)
  CROSS=(--rounds 10 --warmup-rounds 3 --batch-ms 200)
fi

n=0
for suite in "${SUITES[@]}"; do
  n=$((n + 1))
  # shellcheck disable=SC2086 # the suite string is a pattern plus extra JMH options
  set -- $suite
  pattern="$1"; shift
  echo "== JMH $pattern $*"
  # Progress (one line per benchmark) and JMH's summary table; the full log stays in a temporary file.
  "$JAVA" -jar "$JAR" "$pattern" "$@" "${PROF[@]}" -rf json -rff "$TMP/jmh-$n.json" \
    | tee "$TMP/jmh-$n.log" | { grep -E '^(# Benchmark:|# Parameters:|Benchmark  |[A-Z][A-Za-z0-9]+Benchmark\.)' || true; }
  if grep -q '<failure>' "$TMP/jmh-$n.log"; then
    echo "== some benchmarks failed:" >&2
    grep -A3 '<failure>' "$TMP/jmh-$n.log" >&2
  fi
done
python3 - "$RESULTS/jmh-$VERSION.json" "$TMP"/jmh-*.json <<'EOF'
import json, sys
merged = []
for path in sys.argv[2:]:
    with open(path) as f:
        merged.extend(json.load(f))
with open(sys.argv[1], "w") as f:
    json.dump(merged, f, indent=1)
print(f"== wrote {sys.argv[1]} ({len(merged)} results)")
EOF

echo "== interleaved CPU-time cross-check"
"$JAVA" -cp "$JAR" dev.lanyard.benchmarks.CrossCheck --out "$RESULTS/crosscheck-$VERSION.json" "${CROSS[@]}"

echo "== load test"
"$JAVA" -cp "$JAR" dev.lanyard.benchmarks.LoadTest --out "$RESULTS/loadtest-$VERSION.json" "${LOAD[@]}"

echo "== report (took $(( ($(date +%s) - START) / 60 )) min; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
"$JAVA" -cp "$JAR" dev.lanyard.benchmarks.Report "$RESULTS/jmh-$VERSION.json" "$RESULTS/loadtest-$VERSION.json" \
  "$RESULTS/crosscheck-$VERSION.json" | tee "$RESULTS/report-$VERSION.md"
