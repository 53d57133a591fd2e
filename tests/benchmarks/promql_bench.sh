#!/usr/bin/env bash
# Macro benchmark: PromQL over HTTP, loupe beside real Prometheus (Debian's 2.42) on identical
# data. Both get the same remote-write requests (promql_bench_data --remote-write: ~10k series
# x 2 h at 15 s, the dashboard data of query/promql/eval/dashboard_data.h; --day: 1k counters x
# the 24 h after it). Each query is sent to both alternately, ROUNDS times, as /api/v1/query_range; the
# client-side wall time (curl time_total: evaluation, encoding and transfer) is compared by
# median per query.
#
# Figures: the 20 dashboard queries (sum of per-query medians, and median of per-query ratios),
# target <= 0.7x Prometheus; `sum by (job) (rate(bench_requests_total[5m]))` over 24 h at step
# 60 s, target <= 100 ms.
#
# Usage: promql_bench.sh BUILD_DIR [ROUNDS]
set -euo pipefail
build="$1"
rounds="${2:-5}"
loupe="$build/loupe"
gen="$build/bench/promql_bench_data"
work="$(mktemp -d /tmp/loupe-promql-bench.XXXXXX)"
trap 'pkill -P $$ 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() { for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/-/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

mkdir -p "$work/rw" "$work/day"
"$gen" --remote-write "$work/rw"
"$gen" --day "$work/day"

lport=$(free_port)
"$loupe" serve --data-dir "$work/loupe" --http-addr "127.0.0.1:$lport" --loki-addr off --prometheus-addr off \
  --tempo-addr off --otlp-grpc-addr off --otlp-http-addr off --self-scrape-interval 0 --log-level warn \
  2>"$work/loupe.log" &
lpid=$!
pport=$(free_port)
echo "global: {}" > "$work/prom.yml"
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/prom" --storage.tsdb.retention.time=100y \
  --web.listen-address="127.0.0.1:$pport" --web.enable-remote-write-receiver --log.level=warn 2>"$work/prom.log" &
wait_ready "$lport"
wait_ready "$pport"

load() {  # load DIR PORT
  for f in "$1"/*.bin; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: snappy' \
      -H 'X-Prometheus-Remote-Write-Version: 0.1.0' --data-binary "@$f" "http://127.0.0.1:$2/api/v1/write")
    [ "$code" = 204 ] || [ "$code" = 200 ] || { echo "remote write of $f to :$2 answered $code" >&2; exit 1; }
  done
}
for d in rw day; do load "$work/$d" "$lport"; load "$work/$d" "$pport"; done

qtime() {  # qtime PORT QUERY START END STEP -> seconds
  local out
  out=$(curl -s -o "$work/body.$1" -w '%{http_code} %{time_total}' --get "http://127.0.0.1:$1/api/v1/query_range" \
    --data-urlencode "query=$2" --data "start=$3" --data "end=$4" --data "step=$5")
  [ "${out%% *}" = 200 ] || { echo "query on :$1 answered ${out%% *}: $2" >&2; tail -5 "$work/loupe.log" >&2; exit 1; }
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]["result"]; print(len(d), sum(len(s["values"]) for s in d))' "$work/body.$1" >> "$work/shape.$1"
  echo "${out#* }"
}
start=1699999200; end=$((start + 7200))
printf "%-4s %10s %12s %7s %-18s %s\n" "#" "loupe ms" "prometheus ms" ratio "series/points" query
: > "$work/ratios"; lt=0; pt=0; i=0
while IFS= read -r q; do
  : > "$work/l"; : > "$work/p"
  qtime "$lport" "$q" "$start" "$end" 15 >/dev/null; qtime "$pport" "$q" "$start" "$end" 15 >/dev/null  # warm
  for _ in $(seq 1 "$rounds"); do
    qtime "$lport" "$q" "$start" "$end" 15 >> "$work/l"
    qtime "$pport" "$q" "$start" "$end" 15 >> "$work/p"
  done
  l=$(median < "$work/l"); p=$(median < "$work/p")
  r=$(awk -v a="$l" -v b="$p" 'BEGIN{printf "%.3f", (b>0)?a/b:0}')
  echo "$r" >> "$work/ratios"
  shape=$(tail -1 "$work/shape.$lport"); pshape=$(tail -1 "$work/shape.$pport")
  [ "$shape" = "$pshape" ] || shape="DIFF $shape vs $pshape"
  printf "%-4d %10.1f %12.1f %7s %-18s %s\n" "$i" "$(awk -v a="$l" 'BEGIN{print a*1000}')" "$(awk -v a="$p" 'BEGIN{print a*1000}')" "$r" "${shape/ //}" "$q"
  lt=$(awk -v a="$lt" -v b="$l" 'BEGIN{print a+b}'); pt=$(awk -v a="$pt" -v b="$p" 'BEGIN{print a+b}')
  i=$((i + 1))
done < <("$gen" --queries)

q='sum by (job) (rate(bench_requests_total[5m]))'
: > "$work/l"; : > "$work/p"
dstart=$end; dend=$((end + 86400))
qtime "$lport" "$q" "$dstart" "$dend" 60 >/dev/null; qtime "$pport" "$q" "$dstart" "$dend" 60 >/dev/null
for _ in $(seq 1 "$rounds"); do
  qtime "$lport" "$q" "$dstart" "$dend" 60 >> "$work/l"
  qtime "$pport" "$q" "$dstart" "$dend" 60 >> "$work/p"
done
dl=$(median < "$work/l"); dp=$(median < "$work/p")
if ! kill -0 "$lpid" 2>/dev/null; then echo "loupe exited during the benchmark:" >&2; tail -20 "$work/loupe.log" >&2; exit 1; fi

echo
printf "%-60s %10s %12s %7s   %s\n" "figure (median of $rounds, client wall time)" loupe prometheus ratio target
printf "%-60s %10.1f %12.1f %7.3f   %s\n" "20 dashboard queries, sum of medians (ms)" "$(awk -v a="$lt" 'BEGIN{print a*1000}')" \
  "$(awk -v a="$pt" 'BEGIN{print a*1000}')" "$(awk -v a="$lt" -v b="$pt" 'BEGIN{print (b>0)?a/b:0}')" "<= 0.7"
printf "%-60s %10s %12s %7.3f   %s\n" "20 dashboard queries, median of per-query ratios" "" "" "$(median < "$work/ratios")" "<= 0.7"
printf "%-60s %10.1f %12.1f %7.3f   %s\n" "sum by (job)(rate(x[5m])), 1k series, 24 h, step 60 s (ms)" \
  "$(awk -v a="$dl" 'BEGIN{print a*1000}')" "$(awk -v a="$dp" 'BEGIN{print a*1000}')" \
  "$(awk -v a="$dl" -v b="$dp" 'BEGIN{print (b>0)?a/b:0}')" "<= 100 ms"
