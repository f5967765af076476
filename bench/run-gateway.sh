#!/usr/bin/env bash
# Runs the gateway benchmark (Skein gateway vs nginx vs HAProxy vs plain YARP vs direct) and prints the table.
# Needs root for apt-get. Usage: sudo bash bench/run-gateway.sh [--seconds N] [--proxy-cpus LIST] [--load-cpus LIST]
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/sbin"
missing=()
for pair in wrk:wrk h2load:nghttp2-client nginx:nginx haproxy:haproxy taskset:util-linux clang:clang; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)   # clang and zlib link the ahead-of-time node proxy
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: ${missing[*]}; run as root (sudo bash bench/run-gateway.sh) to install them" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  # Debian starts haproxy and nginx as services on install; the benchmark runs its own instances.
  for svc in haproxy nginx; do
    command -v systemctl >/dev/null 2>&1 && systemctl stop "$svc" >/dev/null 2>&1 || true
  done
fi

# 64 connections in and out of each proxy, plus the Skein processes' own sockets.
ulimit -n 65536 2>/dev/null || true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Only what the benchmark runs: a half-edited test project elsewhere in the solution must not block it.
dotnet build src/Skein.Cli/Skein.Cli.csproj -c Release -nologo -v quiet
dotnet build bench/PlainYarp/PlainYarp.csproj -c Release -nologo -v quiet
dotnet build bench/Skein.Bench/Skein.Bench.csproj -c Release -nologo -v quiet
# The backend's node proxy runs as `skein-proxy`, the node role compiled ahead of time (needs clang and zlib1g-dev).
dotnet publish src/Skein.Proxy.Native -c Release -r linux-x64 -nologo -v quiet -o artifacts/skein-proxy
exec dotnet bench/Skein.Bench/bin/Release/net10.0/skein-bench.dll gateway --repo "$PWD" "$@"
