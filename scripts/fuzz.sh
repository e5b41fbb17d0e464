#!/usr/bin/env bash
# Fuzz the hostile-zip reader (anjuan::verify::exercise_reader) with cargo-fuzz.
#
#   scripts/fuzz.sh              # 60 seconds
#   scripts/fuzz.sh 600          # ten minutes
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
# it lands in fuzz/artifacts/zip_reader/ (crash-*, timeout-*, oom-*); then:
#   cargo +nightly fuzz run zip_reader fuzz/artifacts/zip_reader/crash-…   # reproduce
#   cargo +nightly fuzz tmin zip_reader fuzz/artifacts/zip_reader/crash-…  # minimise
# and keep the minimised input as fuzz/crashes/<short-name>.zip.
# New interesting inputs are added to fuzz/corpus/zip_reader/ (git-ignored; only
# seed-* files are committed — regenerate those with fuzz/make_seeds.py).
set -euo pipefail

secs=${1:-60}
shift || true
case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS] [libFuzzer flags…]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
export RUST_BACKTRACE=${RUST_BACKTRACE:-0}

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz…" >&2
    cargo install cargo-fuzz --locked
fi

# The hostile-zip fixtures are seeds too (copied, not committed twice).
mkdir -p fuzz/corpus/zip_reader
for f in tests/fixtures/hostile-zips/*.zip; do
    cp -n "$f" "fuzz/corpus/zip_reader/seed-hostile-$(basename "$f")"
done

# The target writes each input to one scratch file per process under TMPDIR;
# keep those inside fuzz/target/ rather than in /tmp.
mkdir -p fuzz/target/tmp
export TMPDIR="$root/fuzz/target/tmp"

status=0
cargo +nightly fuzz run zip_reader -- \
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
    echo "fuzz: failed (exit $status); inputs in fuzz/artifacts/zip_reader/:" >&2
    ls -l fuzz/artifacts/zip_reader/ >&2 2>/dev/null || true
fi
exit "$status"
