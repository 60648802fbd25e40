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

# Wall time of a command in tenths of a second.
timed() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo $(((end - start) / 100000000))
}
secs() { printf '%d.%d' $(($1 / 10)) $(($1 % 10)); }

size() { du -sm "$@" 2>/dev/null | awk '{s += $1} END {print s}'; }

first=$(timed "$WORK/repo/scripts/toolchain")
rm -rf "$WORK/repo/.toolchain"
rebuild=$(timed "$WORK/repo/scripts/toolchain")
noop=$(timed "$WORK/repo/scripts/toolchain")

TC="$WORK/repo/.toolchain"
printf 'cores                    %s\n' "$(nproc)"
printf 'go                       %s\n' "$(go version 2>/dev/null || /usr/local/go/bin/go version)"
printf 'first build (s)          %s\n' "$(secs "$first")"
printf 'cached rebuild (s)       %s\n' "$(secs "$rebuild")"
printf 'no-op run (s)            %s\n' "$(secs "$noop")"
printf 'GOMODCACHE (MiB)         %s\n' "$(size "$GOMODCACHE")"
printf 'GOCACHE (MiB)            %s\n' "$(size "$GOCACHE")"
printf 'binaries, bin+build (MiB) %s\n' "$(size "$TC/bin" "$TC/build")"
printf 'PULUMI_HOME plugins (MiB) %s\n' "$(size "$TC/pulumi-home")"
printf 'total (MiB)              %s\n' "$(size "$GOMODCACHE" "$GOCACHE" "$TC")"
