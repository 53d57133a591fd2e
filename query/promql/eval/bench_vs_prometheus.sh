#!/usr/bin/env bash
# Runs the 20 dashboard queries of dashboard_data.h against real Prometheus (the Debian
# package, 2.42) on the same synthetic data (10k series, 2 h, 15 s scrape; backfilled with
# promtool) and prints Prometheus's own engine timing (execTotalTime from stats=all, the median
# of ROUNDS runs) per query and in total. Compare with `bench_promql_eval
# --benchmark_filter=Dashboard`.
#
# Usage: bench_vs_prometheus.sh BUILD_DIR [ROUNDS]
set -euo pipefail
build="$1"
rounds="${2:-5}"
gen="$build/bench/promql_bench_data"
work="$(mktemp -d /tmp/loupe-promql-bench.XXXXXX)"
cleanup() { [[ -n "${ppid:-}" ]] && kill "$ppid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$gen" > "$work/data.om"
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/tsdb" > /dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
echo "global: {}" > "$work/prom.yml"
prometheus --config.file="$work/prom.yml" --storage.tsdb.path="$work/tsdb" \
  --storage.tsdb.retention.time=100y --web.listen-address="127.0.0.1:$port" --log.level=warn \
  2> "$work/prom.log" &
ppid=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null && break; sleep 0.1; done

start=1699999200
end=$((start + 7200))
total=0
i=0
while IFS= read -r q; do
  times=()
  for _ in $(seq 1 "$rounds"); do
    t=$(curl -sf --get "http://127.0.0.1:$port/api/v1/query_range" --data-urlencode "query=$q" \
        --data "start=$start" --data "end=$end" --data "step=15" --data "stats=all" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["stats"]["timings"]["execTotalTime"])')
    times+=("$t")
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  ms=$(python3 -c "print(round($med*1000, 2))")
  printf 'prometheus %2d %8.2f ms  %s\n' "$i" "$ms" "$q"
  total=$(python3 -c "print($total + $ms)")
  i=$((i + 1))
done < <("$gen" --queries)
printf 'prometheus total %.1f ms for %d queries\n' "$total" "$i"

# Cross-check: loupe's results must equal Prometheus's (relative tolerance 1e-9). Evaluation
# times are shifted by 0.5 s so that no sample sits exactly on a range-window boundary:
# Prometheus 3 (and loupe) use left-open windows (t-range, t], Prometheus 2 closed ones.
i=0
while IFS= read -r q; do
  curl -sf --get "http://127.0.0.1:$port/api/v1/query_range" --data-urlencode "query=$q" \
    --data "start=$start.5" --data "end=$end.5" --data "step=15" > "$work/prom.json"
  "$gen" --eval "$i" 500 > "$work/loupe.tsv"
  python3 - "$work/prom.json" "$work/loupe.tsv" "$i" <<'PY'
import json, math, sys
prom = json.load(open(sys.argv[1]))["data"]["result"]
def key(m):
    return "{" + ", ".join('%s="%s"' % (k, m[k]) for k in sorted(m)) + "}"
want = {}
for s in prom:
    for t, v in s["values"]:
        want[(key(s["metric"]), int(round(float(t) * 1000)))] = float(v)
got = {}
for line in open(sys.argv[2]):
    l, t, v = line.rstrip("\n").split("\t")
    got[(l, int(t))] = float(v)
bad = [k for k in set(want) | set(got)
       if k not in want or k not in got or not (
           want[k] == got[k] or (math.isnan(want[k]) and math.isnan(got[k])) or
           abs(want[k] - got[k]) <= 1e-9 * max(abs(want[k]), abs(got[k])))]
print("query %s: %d points, %s" % (sys.argv[3], len(want), "identical" if not bad else "%d differ, e.g. %s" % (len(bad), sorted(bad)[:2])))
PY
  i=$((i + 1))
done < <("$gen" --queries)
