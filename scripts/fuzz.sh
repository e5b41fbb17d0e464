#!/usr/bin/env bash
# Fuzz anjuan with cargo-fuzz. Targets (fuzz/fuzz_targets/):
#   zip_reader  the hostile-zip reader (anjuan::verify::exercise_reader), the default
#   case_file   reading and checking a case file, TOML and JSON (anjuan::case::exercise)
#   ledger_csv  ledger import of a CSV (anjuan::ledger::import::exercise)
#
#   scripts/fuzz.sh              # zip_reader, 60 seconds
#   scripts/fuzz.sh 600          # zip_reader, ten minutes
#   scripts/fuzz.sh case_file 300   # a named target, five minutes
#   scripts/fuzz.sh 3600         # an hour (or longer: any number of seconds)
#   scripts/fuzz.sh 3600 -jobs=2 -workers=2   # two fuzzing processes in parallel;
#                                # arguments after SECONDS go to libFuzzer as is
#                                # (per-job logs: ./fuzz-N.log while it runs,
#                                # then moved to fuzz/target/logs/)
#
# Needs the nightly toolchain (`rustup toolchain install nightly`); installs
# cargo-fuzz if missing. Builds with one job unless CARGO_BUILD_JOBS says
# otherwise. The first build takes a while (the whole crate with AddressSanitizer).
#
# Exits non-zero on a crash, a timeout (an input taking over FUZZ_TIMEOUT
# seconds, default 10) or an out-of-memory (RSS over 1 GiB). The input that did
# it lands in fuzz/artifacts/TARGET/ (crash-*, timeout-*, oom-*); then:
#   cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-…   # reproduce
#   cargo +nightly fuzz tmin TARGET fuzz/artifacts/TARGET/crash-…  # minimise
# and keep the minimised input as fuzz/crashes/<short-name>.zip (zip_reader) or
# fuzz/crashes/TARGET/<short-name> (the others); the stable tests replay them.
# New interesting inputs are added to fuzz/corpus/TARGET/ (git-ignored; only
# seed-* files are committed — regenerate those with fuzz/make_seeds.py).
set -euo pipefail

target=zip_reader
case ${1:-} in
zip_reader | case_file | ledger_csv) target=$1; shift ;;
'' | [0-9]*) ;;
*) echo "usage: $0 [zip_reader|case_file|ledger_csv] [SECONDS] [libFuzzer flags…]" >&2; exit 2 ;;
esac
secs=${1:-60}
shift || true
case $secs in
'' | *[!0-9]*) echo "usage: $0 [zip_reader|case_file|ledger_csv] [SECONDS] [libFuzzer flags…]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
export RUST_BACKTRACE=${RUST_BACKTRACE:-0}

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz…" >&2
    cargo install cargo-fuzz --locked
fi

# The test fixtures are seeds too (copied, not committed twice).
mkdir -p "fuzz/corpus/$target"
case $target in
zip_reader)
    for f in tests/fixtures/hostile-zips/*.zip; do
        cp -n "$f" "fuzz/corpus/zip_reader/seed-hostile-$(basename "$f")"
    done
    ;;
case_file)
    for f in tests/fixtures/bad-cases/*.toml tests/fixtures/bad-cases/*.json; do
        cp -n "$f" "fuzz/corpus/case_file/seed-fixture-$(basename "$f")"
    done
    ;;
ledger_csv)
    for f in tests/fixtures/bad-ledgers/*.csv; do
        cp -n "$f" "fuzz/corpus/ledger_csv/seed-fixture-$(basename "$f")"
    done
    ;;
esac

# The target writes each input to one scratch file per process under TMPDIR;
# keep those inside fuzz/target/ rather than in /tmp.
mkdir -p fuzz/target/tmp
export TMPDIR="$root/fuzz/target/tmp"

status=0
cargo +nightly fuzz run "$target" -- \
    -max_total_time="$secs" \
    -rss_limit_mb=1024 \
    -max_len=1048576 \
    -timeout="${FUZZ_TIMEOUT:-10}" \
    "$@" || status=$?

# With -jobs, libFuzzer writes fuzz-N.log into the working directory.
if compgen -G 'fuzz-[0-9]*.log' >/dev/null; then
    mkdir -p fuzz/target/logs
    mv -f fuzz-[0-9]*.log fuzz/target/logs/
    echo "fuzz: per-job logs in fuzz/target/logs/" >&2
fi

if [ "$status" -ne 0 ]; then
    echo "fuzz: failed (exit $status); inputs in fuzz/artifacts/$target/:" >&2
    ls -l "fuzz/artifacts/$target/" >&2 2>/dev/null || true
fi
exit "$status"
