#!/usr/bin/env bash
# Measures the engine build of scripts/toolchain: first build from empty Go caches (module
# downloads included), rebuild with warm caches after deleting the binaries, the no-op run,
# and the disk used by the module cache, the build cache and the built engine.
#
#   benchmarks/toolchain_build.sh [WORKDIR]     (default: a new directory under /tmp)
#
# It works on a scratch copy of tools/ and scripts/toolchain with private GOMODCACHE and
# GOCACHE, so neither the repository's .toolchain/ nor the user's Go caches are touched.
# Expect ~15-20 minutes on 2 cores; the caches are left in WORKDIR for inspection.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$(mktemp -d /tmp/toolchain-bench.XXXXXX)}"
mkdir -p "$WORK"
rm -rf "$WORK/repo" "$WORK/gomod" "$WORK/gobuild"
mkdir -p "$WORK/repo/scripts"
cp -r "$ROOT/tools" "$WORK/repo/tools"
cp "$ROOT/scripts/toolchain" "$WORK/repo/scripts/toolchain"

export GOMODCACHE="$WORK/gomod" GOCACHE="$WORK/gobuild"
# Build even if a matching pulumi is on PATH: this measures the build.
export TOOLCHAIN_FORCE_BUILD=1

# Runs a command; sets WALL and CPU (user + sys of it and its children), in tenths of a second.
timed() {
    local start end t0 t1
    cpu_tenths; t0=$CPU_NOW
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s%N)
    cpu_tenths; t1=$CPU_NOW
    WALL=$(((end - start) / 100000000))
    CPU=$((t1 - t0))
}
# Sets CPU_NOW: user + sys CPU time of this shell's finished children, from `times` (second
# line). `times` must run in this shell, not in a $(...) subshell, which has no such children.
cpu_tenths() {
    times >"$WORK/times"
    CPU_NOW=$(tail -n 1 "$WORK/times" | awk '{
        split($1, u, "m"); split($2, s, "m");
        printf "%d", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 10 }')
}
secs() { printf '%d.%d' $(($1 / 10)) $(($1 % 10)); }
size() { du -sm "$@" 2>/dev/null | awk '{s += $1} END {print s}'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
timed "$WORK/repo/scripts/toolchain"
first_wall=$WALL first_cpu=$CPU
rm -rf "$WORK/repo/.toolchain"
timed "$WORK/repo/scripts/toolchain"
rebuild_wall=$WALL rebuild_cpu=$CPU
noop_start=$(date +%s%N)
"$WORK/repo/scripts/toolchain" >/dev/null 2>&1
noop_ms=$((($(date +%s%N) - noop_start) / 1000000))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

TC="$WORK/repo/.toolchain"
printf 'cores                    %s\n' "$(nproc)"
printf 'go                       %s\n' "$(go version 2>/dev/null || /usr/local/go/bin/go version)"
printf 'load average before/after %s / %s\n' "$load_before" "$load_after"
printf 'first build, wall (s)    %s\n' "$(secs "$first_wall")"
printf 'first build, CPU (s)     %s\n' "$(secs "$first_cpu")"
printf 'cached rebuild, wall (s) %s\n' "$(secs "$rebuild_wall")"
printf 'cached rebuild, CPU (s)  %s\n' "$(secs "$rebuild_cpu")"
printf 'no-op run (ms)           %s\n' "$noop_ms"
printf 'GOMODCACHE (MiB)         %s\n' "$(size "$GOMODCACHE")"
printf 'GOCACHE (MiB)            %s\n' "$(size "$GOCACHE")"
printf 'binaries, bin+build (MiB) %s\n' "$(size "$TC/bin" "$TC/build")"
printf 'PULUMI_HOME plugins (MiB) %s\n' "$(size "$TC/pulumi-home")"
printf 'total (MiB)              %s\n' "$(size "$GOMODCACHE" "$GOCACHE" "$TC")"
