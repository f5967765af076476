#!/usr/bin/env bash
# Runs Skein's whole test suite: installs what the tests need, builds, runs every test project,
# and ends with one line "N passed, N failed" (N skipped when any were skipped).
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v node >/dev/null 2>&1 || need+=(nodejs)   # Node's http2 module is a foreign HBONE peer in the interop tests
command -v promtool >/dev/null 2>&1 || need+=(prometheus)   # promtool checks the metrics exposition
command -v chromium >/dev/null 2>&1 || need+=(chromium)   # the dashboard's browser tests drive Debian's Chromium with Playwright
command -v clang >/dev/null 2>&1 || need+=(clang)   # NativeAOT links the ahead-of-time node proxy (skein-proxy) with clang
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)      # ... against zlib
command -v nft >/dev/null 2>&1 || need+=(nftables)   # transparent capture tests apply Skein's nftables rules in network namespaces
command -v ip >/dev/null 2>&1 || need+=(iproute2)    # ... made with `ip netns`
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)   # the Kubernetes source tests drive the API server emulator with kubectl
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

dotnet build Skein.slnx -c Release -nologo -v q || { echo "0 passed, 1 failed (build failed)"; exit 1; }
# The ahead-of-time node proxy, published once; NativeProxyTests run it.
dotnet publish src/Skein.Proxy.Native -c Release -r linux-x64 -nologo -v q -o artifacts/skein-proxy \
  || { echo "0 passed, 1 failed (publishing the native node proxy failed)"; exit 1; }
export SKEIN_NATIVE_PROXY="$PWD/artifacts/skein-proxy/skein-proxy"

status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  # The conformance runner is a console app run on a corpus below, not an xunit project.
  [ "$name" = Skein.Conformance ] && continue
  # The Kubernetes API server emulator is a program the Kubernetes source tests start, not a test project.
  [ "$name" = Skein.KubeApi.Emulator ] && continue
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" || status=1
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done

# Gateway API conformance: the runner starts the processes once per corpus and applies each test's manifests in
# turn. Its per-test counts join the totals. The shared corpus is data next to the repository; corpus-extra
# (gRPC, TCP and TLS passthrough case kinds) lives in the repository.
run_corpus() {
  local corpus=$1 out
  out="$results/conformance-$(basename "$corpus").txt"
  echo "== Skein.Conformance ($corpus)"
  dotnet run --project tests/Skein.Conformance -c Release --no-build -- "$corpus" \
    --junit "$results/conformance-$(basename "$corpus").junit.xml" | tee "$out"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  local line s
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
  if [ -n "$line" ]; then
    passed=$((passed + $(sed -n 's/^\([0-9]*\) passed.*/\1/p' <<<"$line")))
    failed=$((failed + $(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$line")))
    s=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' <<<"$line"); skipped=$((skipped + ${s:-0}))
  else
    echo "conformance runner ended without a summary ($corpus)"; failed=$((failed + 1))
  fi
}
corpus=${SKEIN_CONFORMANCE_CORPUS:-../shared/conformance/gateway-api}
if [ -f "$corpus/cases.json" ]; then
  run_corpus "$corpus"
else
  echo "== Skein.Conformance: skipped (no corpus: $corpus/cases.json does not exist; set SKEIN_CONFORMANCE_CORPUS to run one)"
fi
run_corpus tests/Skein.Conformance/corpus-extra

# The failures again, right above the closing line: CI shows only the tail of the output.
list_failures() {
  local trx
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    awk -v project="$(basename "$trx" .trx)" '
      /<UnitTestResult / && /outcome="Failed"/ {
        name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name); want = 1; next }
      want && /<Message>/ {
        msg = $0; sub(/.*<Message>/, "", msg); sub(/<\/Message>.*/, "", msg)
        printf "FAILED %s: %s\n  %s\n", project, name, substr(msg, 1, 400); want = 0 }' "$trx"
  done
  local table
  for table in "$results"/conformance-*.txt; do
    [ -f "$table" ] && awk -v corpus="$(basename "$table" .txt)" '$2 == "failed" { print "FAILED " corpus ": " $0 }' "$table"
  done
  return 0
}
list_failures

if [ "$passed" -eq 0 ]; then status=1; fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
