#!/usr/bin/env bash
# Macro benchmark: remote-write ingest into loupe and into real Prometheus (Debian's, with
# --web.enable-remote-write-receiver), the same `loupe loadgen metrics` load against each, each
# on a fresh data dir, alternating, several rounds; prints medians and the ratio. Then loupe's
# disk bytes per sample (metric chunks after a clean stop) and RSS per active series.
#
# Usage: remote_write_bench.sh BUILD_DIR [ROUNDS] [SERIES] [SAMPLES]
set -euo pipefail
build="$1"
rounds="${2:-3}"
series="${3:-100000}"
samples="${4:-20}"
loupe="$build/loupe"
work="$(mktemp -d /tmp/loupe-rw-bench.XXXXXX)"
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/-/ready" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
gen() {  # gen URL -> samples/s
  "$loupe" loadgen metrics --target "$1" --series "$series" --samples "$samples" --batch 1000 \
    --samples-per-request 1 --concurrency 2 --interval 15s | awk '/samples\/s/ {print $(NF-5)}'
}

: > "$work/loupe.rates"
: > "$work/prom.rates"
for r in $(seq 1 "$rounds"); do
  port=$(free_port)
  "$loupe" serve --data-dir "$work/l$r" --http-addr "127.0.0.1:$port" --loki-addr off --prometheus-addr off \
    --tempo-addr off --otlp-grpc-addr off --otlp-http-addr off --log-level warn 2>"$work/l$r.log" &
  lpid=$!
  wait_ready "$port"
  gen "http://127.0.0.1:$port/api/v1/write" >> "$work/loupe.rates"
  kill "$lpid"; wait "$lpid" || true

  port=$(free_port)
  echo "global: {}" > "$work/prom.yml"
  prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/p$r" --web.listen-address="127.0.0.1:$port" \
    --web.enable-remote-write-receiver --log.level=warn 2>"$work/p$r.log" &
  ppid=$!
  wait_ready "$port"
  gen "http://127.0.0.1:$port/api/v1/write" >> "$work/prom.rates"
  kill "$ppid"; wait "$ppid" || true
  rm -rf "$work/p$r"
done
l=$(median < "$work/loupe.rates")
p=$(median < "$work/prom.rates")
printf "%-44s %12s %14s %8s   %s\n" "figure (median of $rounds)" loupe prometheus ratio target
printf "%-44s %12.0f %14.0f %8.2f   %s\n" "remote-write samples/s ($series series x $samples)" "$l" "$p" \
  "$(awk -v a="$l" -v b="$p" 'BEGIN{print (b>0)?a/b:0}')" ">= 2x Prometheus"

# The same series over OTLP/HTTP (protobuf, gauges and cumulative sums; Prometheus 2.42 has no
# OTLP receiver, so loupe only).
: > "$work/otlp.rates"
for r in $(seq 1 "$rounds"); do
  port=$(free_port); oport=$(free_port)
  "$loupe" serve --data-dir "$work/o$r" --http-addr "127.0.0.1:$port" --loki-addr off --prometheus-addr off \
    --tempo-addr off --otlp-grpc-addr off --otlp-http-addr "127.0.0.1:$oport" --log-level warn 2>"$work/o$r.log" &
  opid=$!
  wait_ready "$port"
  "$loupe" loadgen metrics --protocol otlp --target "http://127.0.0.1:$oport/v1/metrics" --series "$series" \
    --samples "$samples" --batch 1000 --samples-per-request 1 --concurrency 2 --interval 15s \
    | awk '/samples\/s/ {print $(NF-5)}' >> "$work/otlp.rates"
  kill "$opid"; wait "$opid" || true
  rm -rf "$work/o$r"
done
printf "%-44s %12.0f %14s %8s   %s\n" "OTLP/HTTP samples/s ($series series x $samples)" "$(median < "$work/otlp.rates")" "-" "" \
  "(no anchor)"

# Disk: 240 samples per series (two full chunks), then a clean stop flushes RocksDB.
dport=$(free_port)
"$loupe" serve --data-dir "$work/disk" --http-addr "127.0.0.1:$dport" --loki-addr off --prometheus-addr off \
  --tempo-addr off --otlp-grpc-addr off --otlp-http-addr off --log-level warn 2>"$work/disk.log" &
dpid=$!
wait_ready "$dport"
"$loupe" loadgen metrics --target "http://127.0.0.1:$dport/api/v1/write" --series 10000 --samples 240 \
  --batch 1000 --samples-per-request 10 --concurrency 2 --interval 15s > /dev/null
curl -s "http://127.0.0.1:$dport/metrics" > "$work/disk.metrics"
kill "$dpid"; wait "$dpid" || true
"$loupe" serve --data-dir "$work/disk" --http-addr "127.0.0.1:$dport" --loki-addr off --prometheus-addr off \
  --tempo-addr off --otlp-grpc-addr off --otlp-http-addr off --log-level warn 2>>"$work/disk.log" &
dpid=$!
wait_ready "$dport"
sst=$(curl -s "http://127.0.0.1:$dport/metrics" | awk '/^loupe_storage_sst_bytes\{column_family="metric_chunks"\}/ {print $2}')
kill "$dpid"; wait "$dpid" || true
printf "%-44s %12.3f %14s %8s   %s\n" "bytes/sample in persisted chunks (10k x 240)" \
  "$(awk -v b="$sst" 'BEGIN{print b/(10000*240)}')" "~1.3 (docs)" "" "<= 1.3 (Gorilla 1.37)"
