#!/usr/bin/env bash
# Checks each function built by `cargo lambda build --release --arm64` (make lambda, which `sam
# build` runs too): an aarch64 ELF, at most 12 MiB, needing at most GLIBC 2.34 (what
# provided.al2023 ships), and built with panic = "unwind". Prints a table.
#
# 12 MiB is a budget, so that growth is noticed (Lambda itself takes 250 MB unzipped). It was
# 10 MiB, measured on builds that were, unnoticed, panic = "abort": the same code built with
# unwind is 13 % larger (account-api 10,427,488 bytes with abort, 11,817,112 with unwind).
#
# The panic strategy, read from a stripped binary: the unwinder is linked in statically (zig's
# libunwind, no libgcc_s), so no dynamic symbol tells; the standard library's own text does.
# With unwind, std keeps the message it aborts with when the unwinder cannot start a panic
# ("failed to initiate panic"); with abort that path is gone, and the source path of the
# panic_abort runtime is in the binary instead. Checked on the seven functions and on a
# throwaway one, each built both ways with cargo-lambda (README, "Panic strategy").
set -euo pipefail
dir="${1:-target/lambda}"
max_bytes=$((12 * 1024 * 1024))
status=0

panic_strategy() {
    local unwind=no abort=no
    if grep -q -a -F 'failed to initiate panic' "$1"; then unwind=yes; fi
    if grep -q -a -F '/library/panic_abort/' "$1"; then abort=yes; fi
    case "$unwind/$abort" in
        yes/no) echo unwind ;;
        no/yes) echo abort ;;
        *) echo unknown ;;
    esac
}

printf '%-34s %10s  %-8s %-20s %s\n' function bytes machine "newest GLIBC needed" panic
for bootstrap in "$dir"/*/bootstrap; do
    name=$(basename "$(dirname "$bootstrap")")
    bytes=$(stat -c %s "$bootstrap")
    machine=$(readelf -h "$bootstrap" | awk -F: '/Machine:/ { gsub(/^ +/, "", $2); print $2 }')
    glibc=$(readelf -V "$bootstrap" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
    panic=$(panic_strategy "$bootstrap")
    printf '%-34s %10s  %-8s %-20s %s\n' "$name" "$bytes" "$machine" "$glibc" "$panic"
    if [[ "$machine" != "AArch64" ]]; then echo "  $name is not aarch64"; status=1; fi
    if ((bytes > max_bytes)); then echo "  $name is over 12 MiB"; status=1; fi
    if [[ "$(printf '%s\n' GLIBC_2.34 "$glibc" | sort -V | tail -n 1)" != GLIBC_2.34 ]]; then
        echo "  $name needs $glibc, newer than provided.al2023's GLIBC_2.34"; status=1
    fi
    if [[ "$panic" != unwind ]]; then
        echo "  $name panics with $panic, not unwind: one panicking request would end the instance"
        status=1
    fi
done
exit "$status"
