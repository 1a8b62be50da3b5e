#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the inventory tests and
# benchmarks: Debian's server binaries, trust authentication, fsync off
# (nothing in it outlives the run).
#
# usage: pg-cluster.sh start DIR    prints the database URL
#        pg-cluster.sh restart DIR  stops and starts the server (same port)
#        pg-cluster.sh stop DIR
# DIR is created (and handed to the postgres user when run as root, as
# initdb refuses to run as root).
set -euo pipefail
cmd=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
ctl() {
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w "$@" >/dev/null
}
case $cmd in
start)
	rm -rf "$dir"
	mkdir -p "$dir"
	[ "$(id -u)" != 0 ] || chown postgres: "$dir"
	as_owner "$bin/initdb" -D "$dir/data" -U sigtrace --auth=trust -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	echo "$port" >"$dir/port"
	ctl -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start
	as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U sigtrace sigtrace
	echo "postgresql://sigtrace@127.0.0.1:$port/sigtrace"
	;;
restart)
	port=$(cat "$dir/port")
	ctl -m fast stop
	ctl -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start
	;;
stop)
	ctl -m fast stop || true
	;;
*)
	echo "usage: pg-cluster.sh start|restart|stop DIR" >&2
	exit 64
	;;
esac
