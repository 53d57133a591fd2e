#!/usr/bin/env bash
# Macro benchmark: Loki push ingest (snappy protobuf, ~200-byte JSON service lines, 70% with a
# trace id in the line and as structured metadata, shared by a request's 1-7 lines) from
# `loupe loadgen logs` for DURATION seconds, several rounds on fresh data dirs; prints the median
# lines/s and MB/s, checks that every acknowledged line is stored (index/stats entries == lines
# sent), and the disk used after a clean stop relative to the raw line bytes. One more round
# gives every traced line a trace id of its own (--lines-per-trace 1), the worst case for
# compression. There is no Loki binary on this machine to run beside it; the anchor is the
# issue's target (>= 250k lines/s, >= 50 MB/s, <= 1/8 of the raw bytes stored).
#
# Usage: logs_ingest_bench.sh BUILD_DIR [ROUNDS] [DURATION_S]
set -euo pipefail
build="$1"
rounds="${2:-3}"
duration="${3:-60}"
loupe="$build/loupe"
work="$(mktemp -d /tmp/loupe-logs-bench.XXXXXX)"
trap 'pkill -P $$ 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/ready" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

: > "$work/lines"; : > "$work/mb"; : > "$work/ratio"
lost_total=0
for r in $(seq 1 $((rounds + 1))); do
  lpt=4; [ "$r" -gt "$rounds" ] && lpt=1
  port=$(free_port)
  "$loupe" serve --data-dir "$work/d$r" --http-addr "127.0.0.1:$port" --loki-addr off --prometheus-addr off \
    --tempo-addr off --otlp-grpc-addr off --otlp-http-addr off --self-scrape-interval 0 --log-level warn \
    2>"$work/l$r.log" &
  lpid=$!
  wait_ready "$port"
  out=$("$loupe" loadgen logs --target "http://127.0.0.1:$port/loki/api/v1/push" --wire protobuf --format json \
        --streams 100 --line-size 200 --batch 1000 --concurrency 2 --duration "$duration" \
        --lines-per-trace "$lpt")
  echo "round $r (--lines-per-trace $lpt): $out"
  sent=$(echo "$out" | awk '/^sent/ {print $2}')
  if [ "$lpt" = 1 ]; then
    kill "$lpid"; wait "$lpid" || true
    disk=$(du -sb "$work/d$r" | awk '{print $1}')
    worst=$(awk -v d="$disk" -v r="$(echo "$out" | sed -E 's/.*\(([0-9.]+) MB\).*/\1/')" 'BEGIN{printf "%.4f", d/(r*1e6)}')
    rm -rf "$work/d$r"
    continue
  fi
  echo "$out" | awk '/lines\/s/ {for (i=1;i<=NF;i++) if ($i=="lines/s,") print $(i-1)}' >> "$work/lines"
  echo "$out" | awk '/MB\/s/ {for (i=1;i<=NF;i++) if ($i=="MB/s") print $(i-1)}' >> "$work/mb"
  raw=$(echo "$out" | sed -E 's/.*\(([0-9.]+) MB\).*/\1/')
  end=$(( $(date +%s) + 60 ))
  stored=$(curl -s "http://127.0.0.1:$port/loki/api/v1/index/stats" --data-urlencode 'query={job="loadgen"}' \
           --data-urlencode "start=0" --data-urlencode "end=${end}000000000" -G | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
  lost=$(( sent - stored ))
  [ "$lost" -ne 0 ] && echo "round $r: LOST $lost of $sent acknowledged lines" && lost_total=$(( lost_total + lost ))
  kill "$lpid"; wait "$lpid" || true
  disk=$(du -sb "$work/d$r" | awk '{print $1}')
  awk -v d="$disk" -v r="$raw" 'BEGIN{printf "%.4f\n", d/(r*1e6)}' >> "$work/ratio"
  rm -rf "$work/d$r"
done
l=$(median < "$work/lines"); m=$(median < "$work/mb"); q=$(median < "$work/ratio")
printf "%-52s %12s   %s\n" "figure (median of $rounds, ${duration}s each)" loupe target
printf "%-52s %12.0f   %s\n" "push lines/s (protobuf, 200 B JSON lines)" "$l" ">= 250000"
printf "%-52s %12.1f   %s\n" "push MB/s of raw line bytes" "$m" ">= 50"
printf "%-52s %12.3f   %s\n" "data dir after clean stop / raw line bytes" "$q" "<= 0.125"
printf "%-52s %12.3f   %s\n" "  the same, a trace id of its own per line (1 round)" "$worst" "-"
printf "%-52s %12d   %s\n" "acknowledged lines missing" "$lost_total" "0"
