#!/bin/sh
# Runs each fuzz target for SECONDS seconds, one after the other, on one
# core, with the seed corpus and the dictionary (make fuzz calls this).
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS
#
# Scratch space is BUILD_DIR/fuzz-run/<target>/: corpus/ starts as a copy of
# tests/fuzz/corpus/<target>/ and keeps what earlier runs found (the
# repository's seeds are never written to); artifacts/ gets the input of a
# crash, leak, timeout or out-of-memory, and log the whole libFuzzer output.
# Exits non-zero when any target failed; prints each target's executions and
# the total.
set -u
build=$1
seconds=$2
src=$(cd "$(dirname "$0")" && pwd)
status=0
total=0

# ASan and UBSan stop at the first report, with a stack
# (symbolized by llvm-symbolizer where there is one, else by addr2line).
symbolizer=
for s in $(command -v llvm-symbolizer) /usr/lib/llvm-*/bin/llvm-symbolizer $(command -v addr2line); do
  [ -x "$s" ] && { symbolizer=$s; break; }
done
ASAN_OPTIONS=${ASAN_OPTIONS:-external_symbolizer_path=$symbolizer}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:external_symbolizer_path=$symbolizer}
export ASAN_OPTIONS UBSAN_OPTIONS

for target in model-file graph-json; do
  case $target in
    model-file) max_len=32768 ;;
    graph-json) max_len=8192 ;;
  esac
  exe=$build/tests/fuzz/fuzz-$target
  work=$build/fuzz-run/$target
  mkdir -p "$work/corpus" "$work/artifacts"
  cp "$src/corpus/$target/"* "$work/corpus/"
  touch "$work/started"
  "$exe" -max_total_time="$seconds" -print_final_stats=1 -dict="$src/cocolor.dict" \
    -max_len=$max_len -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/" \
    "$work/corpus" >"$work/log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
  if [ "$rc" != 0 ] || [ -z "$execs" ]; then
    echo "fuzz-$target: FAILED (exit status $rc); the end of $work/log:"
    tail -n 40 "$work/log"
    # Each input again, alone, with whole allocation stacks (too slow while
    # fuzzing): they show where a leaked block came from through GLib.
    for input in $(find "$work/artifacts" -type f -newer "$work/started"); do
      echo "fuzz-$target: the input is $input; rerun alone:"
      ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0 "$exe" -runs=1 "$input" 2>&1 |
        grep -v '^INFO: ' | tail -n 60
    done
    status=1
  fi
  execs=${execs:-0}
  echo "fuzz-$target: $execs executions in ${seconds} s (${rate:-0}/s)," \
    "corpus $(ls "$work/corpus" | wc -l) inputs"
  total=$((total + execs))
done
echo "fuzz: $total executions in all"
exit $status
