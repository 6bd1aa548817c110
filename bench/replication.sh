#!/usr/bin/env bash
# Replication figures (README, docs/replication.md): `bench produce` against a master with no slave, ASYNC_MASTER +
# slave and SYNC_MASTER + slave (seed, master and slave as Release processes, interleaved rounds), then the catch-up
# of an empty slave over ~1 GiB of log. Run from the repository root after `dotnet build cluster.sln -c Release`:
#   bash bench/replication.sh            (results in ./bench-out/replication; BASE=<other checkout> adds its no-slave run)
set -u
ROOT=${ROOT:-$(pwd)}; OUT=${OUT:-$ROOT/bench-out/replication}; mkdir -p $OUT
R=$ROOT; CLI="dotnet $ROOT/Rocket.Cli/bin/Release/net10.0/rocket.dll"
freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
waitready() { for t in $(seq 90); do grep -q '^ready' $1 && return 0; sleep 1; done; echo "not ready: $1"; return 1; }
broker_conf() { # name id role dir port
  cat <<C
akka.remote.dot-netty.tcp.port = $5
rocket.broker { broker-name = "broker-a", broker-id = $2, broker-role = $3 }
rocket.store { dir = "$4", flush-disk-type = ASYNC_FLUSH }
C
}
start_cluster() { # label slave-role(none|ASYNC_MASTER|SYNC_MASTER) -> sets SEEDPORT, PIDS, D
  D=$(mktemp -d /tmp/ha11-XXXX); SEEDPORT=$(freeport); PIDS=""
  dotnet ${R:-$ROOT}/Rocket.Seed/bin/Release/net10.0/Rocket.Seed.dll --port $SEEDPORT --seeds 127.0.0.1:$SEEDPORT > $D/seed.log 2>&1 & PIDS="$PIDS $!"
  waitready $D/seed.log
  local role=$2; [ "$role" = none ] && role=ASYNC_MASTER
  broker_conf broker-a 0 $role $D/m $(freeport) > $D/m.conf
  dotnet ${R:-$ROOT}/Rocket.Node/bin/Release/net10.0/Rocket.Node.dll --config $D/m.conf --seeds 127.0.0.1:$SEEDPORT > $D/m.log 2>&1 & PIDS="$PIDS $!"
  waitready $D/m.log
}
start_slave() {
  broker_conf broker-a 1 SLAVE $D/s $(freeport) > $D/s.conf
  dotnet ${R:-$ROOT}/Rocket.Node/bin/Release/net10.0/Rocket.Node.dll --config $D/s.conf --seeds 127.0.0.1:$SEEDPORT > $D/s.log 2>&1 & PIDS="$PIDS $!"
  waitready $D/s.log
}
offset_of() { # broker id -> its commit-log max offset from rocket cluster --json (0 if absent)
  $CLI cluster --seeds 127.0.0.1:$SEEDPORT --json | python3 -c '
import json,sys
def find(d,k):
    if isinstance(d,dict):
        if k in d: return d[k]
        for v in d.values():
            r=find(v,k)
            if r is not None: return r
    return None
b=json.load(sys.stdin)["brokers"]; s=[x for x in b if x["id"]=='$1']
print(find(s[0],"commit_log_max_offset") or 0 if s else 0)'
}
stop_cluster() { kill -TERM $PIDS 2>/dev/null; wait $PIDS 2>/dev/null; rm -rf $D; }

if [ "${SKIP_PRODUCE:-0}" != 1 ]; then
for round in 1 2; do
  for mode in ${BASE:+base-none} none ASYNC_MASTER SYNC_MASTER; do
    R=$ROOT; [ $mode = base-none ] && R=$BASE
    CLI="dotnet $R/Rocket.Cli/bin/Release/net10.0/rocket.dll"
    start_cluster $mode $(echo $mode | sed 's/base-//')
    case $mode in *none) ;; *) start_slave;; esac
    sleep 3
    $CLI bench produce --seeds 127.0.0.1:$SEEDPORT --count 300000 --size 1024 --json > $OUT/produce-$mode-$round.json 2>$OUT/produce-$mode-$round.err
    echo "$mode $round: $(cat $OUT/produce-$mode-$round.json | head -c 400)"
    stop_cluster
  done
done
fi

# Catch-up: ~1 GiB on a master alone, then an empty slave copies it.
R=$ROOT; CLI="dotnet $ROOT/Rocket.Cli/bin/Release/net10.0/rocket.dll"
start_cluster catchup ASYNC_MASTER
$CLI bench produce --seeds 127.0.0.1:$SEEDPORT --count 1000000 --warmup 0 --size 1024 --json > $OUT/catchup-produce.json 2>$OUT/catchup-produce.err
sleep 2
END=$(offset_of 0)
echo "master log end $END"
T0=$(date +%s.%N)
start_slave
while true; do
  S=$(offset_of 1)
  [ "$S" -ge "$END" ] && break
  sleep 0.5
done
T1=$(date +%s.%N)
python3 -c "e=$END;t=$T1-$T0;print(f'catch-up {e/2**20:.0f} MiB in {t:.1f} s (incl. slave start) = {e/2**20/t:.0f} MiB/s')" | tee $OUT/catchup.txt
grep -i "ready\|caught up\|follows master" $D/s.log | head -5 >> $OUT/catchup.txt
stop_cluster
echo done > $OUT/done
