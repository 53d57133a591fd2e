#!/usr/bin/env bash
# Macro benchmark: the metric store at 1M active series x 120 samples (remote write, 120
# samples per series per request): ingest rate, RSS per active series, and restart to ready
# (median of 3) after a clean stop.
# Usage: tsdb_scale_bench.sh BUILD_DIR [SERIES]
set -euo pipefail
build="$1"
series="${2:-1000000}"
loupe="$build/loupe"
work="$(mktemp -d /tmp/loupe-scale-bench.XXXXXX)"
trap 'pkill -f "data-dir $work" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
args=(serve --data-dir "$work/data" --http-addr "127.0.0.1:$port" --loki-addr off --prometheus-addr off
      --tempo-addr off --otlp-grpc-addr off --otlp-http-addr off --self-scrape-interval 0 --log-level warn)
wait_ready() { for _ in $(seq 1 3000); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && return 0; sleep 0.01; done; return 1; }
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1==m {print $2}'; }

"$loupe" "${args[@]}" 2>>"$work/log" &
wait_ready
rss0=$(metric process_resident_memory_bytes)
rate=$("$loupe" loadgen metrics --target "http://127.0.0.1:$port/api/v1/write" --series "$series" --samples 120 \
  --samples-per-request 120 --batch 500 --concurrency 2 --no-pregenerate | awk '/samples\/s/ {print $(NF-5)}')
rss1=$(metric process_resident_memory_bytes)
pkill -f "data-dir $work"; while pgrep -f "data-dir $work" >/dev/null; do sleep 0.02; done
times=()
for r in 1 2 3; do
  start=$(date +%s.%N)
  "$loupe" "${args[@]}" 2>>"$work/log" &
  wait_ready
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
  pkill -f "data-dir $work"; while pgrep -f "data-dir $work" >/dev/null; do sleep 0.02; done
done
restart=$(printf "%s\n" "${times[@]}" | sort -n | sed -n 2p)
printf "%-44s %12s   %s\n" "figure" loupe target
printf "%-44s %12.0f   %s\n" "ingest samples/s (120 samples/series/request)" "$rate" ""
printf "%-44s %12.0f   %s\n" "RSS bytes per active series" "$(echo "($rss1 - $rss0) / $series" | bc)" "<= 1500 (Prometheus ~3000)"
printf "%-44s %12.2f   %s\n" "restart to ready, s (median of 3)" "$restart" "<= 5 s"
