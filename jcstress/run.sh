#!/usr/bin/env bash
# Runs drain4j's jcstress tests (the coordinator's invariants under real concurrency) and exits
# non-zero when any outcome is FORBIDDEN, any test errs or times out, or no test ran.
#
#   jcstress/run.sh            thorough: jcstress "quick" preset, every JVM and compilation
#                              configuration jcstress finds (about 10 minutes on 2 cores)
#   jcstress/run.sh --ci       short: one JVM configuration, compilation unified, 3 x 500 ms
#                              per test (about 1 minute on 2 idle cores; CI's bound is 5)
#   jcstress/run.sh [--ci] -t DrainOnce -v     extra options go to jcstress and win over ours
#
# Build the jar first: mvn -B package -DskipTests (or mvn -B verify) at the repository root.
# Reports go to jcstress/target/jcstress-results/ (index.html, console.log).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
jar="$here/target/jcstress.jar"
results="$here/target/jcstress-results"

ci=false
if [[ "${1:-}" == "--ci" ]]; then
  ci=true
  shift
fi

if [[ ! -f "$jar" ]]; then
  echo "jcstress: $jar is missing; build it with 'mvn -B package -DskipTests' at the root" >&2
  exit 2
fi

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  java="$JAVA_HOME/bin/java"
else
  java=java
fi

# Every sample of these tests builds a whole coordinator, which starts a timer thread. jcstress's
# default stride (256 x 40 samples in flight at once) would start ten thousand threads at a time;
# 16 x 8 keeps it to 128.
defaults=(-strideSize 16 -strideCount 8 -r "$results")
# jcstress pins threads to CPUs through JNA; JDK 22 and later warn unless native access is on.
native_access=--enable-native-access=ALL-UNNAMED
if $ci; then
  # One JVM configuration (-jvmArgs turns off jcstress's flag exploration; it still tries biased
  # locking on and off where the JVM has it) and one compilation mode: a short, honest smoke run.
  defaults+=(-m quick -jvmArgs "-Xmx256m $native_access" -sc false -iters 3 -time 500 -v)
  limit=${JCSTRESS_TIMEOUT:-300}
else
  defaults+=(-m quick -jvmArgsPrepend "$native_access")
  limit=${JCSTRESS_TIMEOUT:-3600}
fi

# An option the caller gives replaces ours: jcstress rejects an option given twice.
given=" $* "
args=()
for ((i = 0; i < ${#defaults[@]}; i++)); do
  opt=${defaults[i]}
  if [[ "$opt" == -* ]]; then
    value_follows=true
    case "$opt" in -v) value_follows=false ;; esac
    if [[ "$given" == *" $opt "* ]]; then
      $value_follows && i=$((i + 1))
      continue
    fi
    args+=("$opt")
    if $value_follows; then
      i=$((i + 1))
      args+=("${defaults[i]}")
    fi
  fi
done

mkdir -p "$results"
log="$results/console.log"
# jcstress drops its binary result blob in the working directory: keep it under target/.
cd "$here/target"
echo "jcstress: $java -jar $jar ${args[*]} $*"
set +e
# timeout signals its whole process group, so the forked test VMs stop with the host.
timeout --kill-after=30s "$limit" "$java" -jar "$jar" "${args[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

if [[ $status -eq 124 || $status -eq 137 ]]; then
  echo "jcstress: timed out after ${limit}s (a drain that never ends makes every sample wait)" >&2
  exit 1
fi

# jcstress 0.16 ends with an AssertionError (status 1) on a FORBIDDEN outcome or an erring test;
# the summary is checked too, so that a run that tested nothing, or lost a test, cannot pass.
# The last progress line: (Results: 10 planned; 10 passed, 0 failed, 0 soft errs, 0 hard errs)
summary=$(grep -E '^\(Results: [0-9]+ planned; ' "$log" | tail -n 1 || true)
if [[ ! "$summary" =~ ([0-9]+)\ planned\;\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ soft\ errs,\ ([0-9]+)\ hard\ errs ]]; then
  echo "jcstress: no results summary in $log (harness status $status); did any test run?" >&2
  exit 1
fi
planned=${BASH_REMATCH[1]} passed=${BASH_REMATCH[2]} failed=${BASH_REMATCH[3]}
errors=$((BASH_REMATCH[4] + BASH_REMATCH[5]))
echo
echo "jcstress: $passed passed, $((planned - passed)) failed"
if [[ $status -ne 0 || $planned -eq 0 || $failed -ne 0 || $errors -ne 0 || $passed -ne $planned ]] \
    || ! grep -q '^  Failed tests: No matches\.' "$log" \
    || ! grep -q '^  Error tests: No matches\.' "$log"; then
  echo "jcstress: FAILED: $failed test configuration(s) with a FORBIDDEN outcome, $errors erring" \
    "(harness status $status); see the results above and $results/index.html" >&2
  exit 1
fi
