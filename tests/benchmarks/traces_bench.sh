#!/usr/bin/env bash
# Macro benchmark: OTLP trace ingest over gRPC into loupe with `loupe loadgen traces` (batches
# of BATCH spans, CONCURRENCY connections, SECONDS per round), each round on a fresh data dir;
# prints the median spans/s and the machine's load. Nothing may be lost: after each round the
# acknowledged span count must equal loupe's accepted spans (self-metrics), sampled traces are
# read back by ID (loadgen --verify), and after a clean stop and restart the span store holds
# exactly the acknowledged spans.
#
# Usage: traces_bench.sh BUILD_DIR [ROUNDS] [SECONDS] [BATCH] [CONCURRENCY]
set -euo pipefail
build="$1"
rounds="${2:-3}"
seconds="${3:-60}"
batch="${4:-512}"
conc="${5:-2}"
loupe="$build/loupe"
work="$(mktemp -d /tmp/loupe-traces-bench.XXXXXX)"
lpid=""
cleanup() {
  if [ -n "$lpid" ]; then kill "$lpid" 2>/dev/null || true; wait "$lpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/-/ready" >/dev/null 2>&1 && return 0; sleep 0.05; done; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1==m {print $2}'; }
# The load is far above Tempo's 10k live traces per tenant: lift that limit for the run.
printf 'traces:\n  max_live_traces: 0\n' > "$work/cfg.yaml"
start_loupe() {  # start_loupe DATA_DIR HTTP_PORT GRPC_PORT
  "$loupe" serve --data-dir "$1" --config "$work/cfg.yaml" --http-addr "127.0.0.1:$2" --loki-addr off \
    --prometheus-addr off --tempo-addr off --otlp-grpc-addr "127.0.0.1:$3" --otlp-http-addr off \
    --self-scrape-interval 0 --log-level warn 2>>"$work/loupe.log" &
  lpid=$!
  wait_ready "$2"
}
stop_loupe() { kill "$lpid"; wait "$lpid" || true; lpid=""; }

: > "$work/rates"
lost_total=0
for r in $(seq 1 "$rounds"); do
  hp=$(free_port)
  gp=$(free_port)
  start_loupe "$work/d$r" "$hp" "$gp"
  out=$("$loupe" loadgen traces --target "127.0.0.1:$gp" --protocol grpc --batch "$batch" --concurrency "$conc" \
    --duration "${seconds}s" --verify "127.0.0.1:$hp" --verify-every 50 || true)
  echo "$out" | sed 's/^/  /'
  sent=$(echo "$out" | awk '/spans\/s/ {print $2}')
  rate=$(echo "$out" | awk '/spans\/s/ {for (i=1;i<=NF;i++) if ($i=="spans/s") print $(i-1)}')
  accepted=$(metric "$hp" loupe_traces_accepted_spans_total)
  stop_loupe
  start_loupe "$work/d$r" "$hp" "$gp"
  stored=$(( $(metric "$hp" loupe_spanstore_head_spans) + $(metric "$hp" loupe_spanstore_block_spans) ))
  stop_loupe
  lost=$(( sent - stored ))
  [ "$accepted" = "$sent" ] || lost=$(( lost + 1 ))
  echo "  round $r: acknowledged $sent, accepted $accepted, stored after restart $stored"
  lost_total=$(( lost_total + (lost > 0 ? lost : -lost) ))
  echo "$rate" >> "$work/rates"
  rm -rf "$work/d$r"
done
m=$(median < "$work/rates")
printf "%-52s %12s   %s\n" "figure (median of $rounds)" loupe target
printf "%-52s %12.0f   %s\n" "OTLP gRPC trace ingest, spans/s (batch $batch, ${seconds}s)" "$m" ">= 200000"
printf "%-52s %12d   %s\n" "spans lost or mismatched (acked vs stored)" "$lost_total" "0"
echo "load: $(uptime)"
[ "$lost_total" -eq 0 ]
