#!/usr/bin/env bash
# Macro benchmark: LogQL over the Loki HTTP API on data pushed by `loupe loadgen logs` (~200-byte
# JSON service lines, 100 streams), after a clean restart so every query reads persisted chunks.
#   1. `{job="loadgen"} |= "<absent needle>"` over everything: raw line bytes scanned per second
#      of loupe CPU time (decompression included) and per second of wall time.
#   2. `sum by (level) (count_over_time({job="loadgen"} | json [1m]))` over 1M lines.
# Each query runs ROUNDS times; medians are printed beside the issue's targets. There is no Loki
# binary on this machine to run beside it.
#
# Usage: logs_query_bench.sh BUILD_DIR [ROUNDS] [SCAN_LINES]
#   SCAN_LINES: lines pushed for the scan figure (default 5M, ~1 GB of raw line bytes; the
#   issue's 5 GB is 25000000).
set -euo pipefail
build="$1"
rounds="${2:-5}"
scan_lines="${3:-5000000}"
loupe="$build/loupe"
work="$(mktemp -d /tmp/loupe-logq-bench.XXXXXX)"
trap 'pkill -P $$ 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

start_loupe() {  # start_loupe DIR PORT
  "$loupe" serve --data-dir "$1" --http-addr "127.0.0.1:$2" --loki-addr off --prometheus-addr off \
    --tempo-addr off --otlp-grpc-addr off --otlp-http-addr off --self-scrape-interval 0 --log-level warn \
    2>>"$work/loupe.log" &
  lpid=$!
  wait_ready "$2"
}

# query PORT QUERY LIMIT -> "wall_seconds cpu_seconds" (the query must answer 200)
query() {
  local before after out
  before=$(cpu_ticks "$lpid")
  out=$(curl -s -o "$work/body" -w '%{http_code} %{time_total}' --get "http://127.0.0.1:$1/loki/api/v1/query_range" \
    --data-urlencode "query=$2" --data "start=${qstart}000000000" --data "end=${qend}000000000" --data "limit=$3" --data "step=60")
  after=$(cpu_ticks "$lpid")
  [ "${out%% *}" = 200 ] || { echo "query answered ${out%% *}: $2" >&2; head -c 300 "$work/body" >&2; exit 1; }
  echo "${out#* } $(awk -v a="$before" -v b="$after" -v hz="$(getconf CLK_TCK)" 'BEGIN{print (b-a)/hz}')"
}

port=$(free_port)
start_loupe "$work/data" "$port"
qstart=$(( $(date +%s) - 60 ))
push=$("$loupe" loadgen logs --target "http://127.0.0.1:$port/loki/api/v1/push" --wire protobuf --format json \
       --streams 100 --line-size 200 --batch 1000 --concurrency 2 --lines "$scan_lines")
echo "push: $push"
raw_mb=$(echo "$push" | sed -E 's/.*\(([0-9.]+) MB\).*/\1/')
kill "$lpid"; wait "$lpid" || true  # clean stop: heads become chunks
start_loupe "$work/data" "$port"
qend=$(( $(date +%s) + 60 ))

: > "$work/scan"
for _ in $(seq 1 "$rounds"); do query "$port" '{job="loadgen"} |= "needle-that-is-not-there"' 100 >> "$work/scan"; done
scan_wall=$(awk '{print $1}' "$work/scan" | median)
scan_cpu=$(awk '{print $2}' "$work/scan" | median)

# The metric query over the first 1M lines' worth of data: a separate store with 1M lines.
port2=$(free_port)
kill "$lpid"; wait "$lpid" || true
start_loupe "$work/data1m" "$port2"
qstart=$(( $(date +%s) - 60 ))
"$loupe" loadgen logs --target "http://127.0.0.1:$port2/loki/api/v1/push" --wire protobuf --format json \
  --streams 100 --line-size 200 --batch 1000 --concurrency 2 --lines 1000000 > /dev/null
qend=$(( $(date +%s) + 3600 - 60 ))
: > "$work/metric"
for _ in $(seq 1 "$rounds"); do
  query "$port2" 'sum by (level) (count_over_time({job="loadgen"} | json [1m]))' 100 >> "$work/metric"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; print("metric query result:", len(d["result"]), "series; levels:", sorted(s["metric"].get("level","") for s in d["result"]))' "$work/body"
metric_wall=$(awk '{print $1}' "$work/metric" | median)

echo
printf "%-60s %12s   %s\n" "figure (median of $rounds, client wall / loupe CPU)" loupe target
printf "%-60s %12.2f   %s\n" "|= over ${raw_mb} MB of raw lines: GB/s per core (CPU time)" \
  "$(awk -v m="$raw_mb" -v c="$scan_cpu" 'BEGIN{print (c>0)?m/1000/c:0}')" ">= 1 GB/s"
printf "%-60s %12.2f   %s\n" "|= over ${raw_mb} MB of raw lines: GB/s wall" \
  "$(awk -v m="$raw_mb" -v w="$scan_wall" 'BEGIN{print (w>0)?m/1000/w:0}')" ""
printf "%-60s %12.0f   %s\n" "sum by (level)(count_over_time(... | json [1m])), 1M lines (ms)" \
  "$(awk -v w="$metric_wall" 'BEGIN{print w*1000}')" "<= 1000 ms"
