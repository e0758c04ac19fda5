#!/usr/bin/env bash
# Checks each function built by `cargo lambda build --release --arm64` (make lambda): an aarch64
# ELF, at most 10 MiB, needing at most GLIBC 2.34 (what provided.al2023 ships). Prints a table.
set -euo pipefail
dir="${1:-target/lambda}"
max_bytes=$((10 * 1024 * 1024))
status=0
printf '%-34s %10s  %-8s %s\n' function bytes machine "newest GLIBC needed"
for bootstrap in "$dir"/*/bootstrap; do
    name=$(basename "$(dirname "$bootstrap")")
    bytes=$(stat -c %s "$bootstrap")
    machine=$(readelf -h "$bootstrap" | awk -F: '/Machine:/ { gsub(/^ +/, "", $2); print $2 }')
    glibc=$(readelf -V "$bootstrap" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
    printf '%-34s %10s  %-8s %s\n' "$name" "$bytes" "$machine" "$glibc"
    if [[ "$machine" != "AArch64" ]]; then echo "  $name is not aarch64"; status=1; fi
    if ((bytes > max_bytes)); then echo "  $name is over 10 MiB"; status=1; fi
    if [[ "$(printf '%s\n' GLIBC_2.34 "$glibc" | sort -V | tail -n 1)" != GLIBC_2.34 ]]; then
        echo "  $name needs $glibc, newer than provided.al2023's GLIBC_2.34"; status=1
    fi
done
exit "$status"
