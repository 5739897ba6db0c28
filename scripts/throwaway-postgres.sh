# Sourced by scripts/test.sh: starts a private PostgreSQL cluster from Debian's binaries, exports
# TEST_DATABASE_URL, and stops and removes the cluster when the calling shell exits.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "PostgreSQL is needed for the integration tests: install Debian's postgresql (apt-get install postgresql) or set TEST_DATABASE_URL." >&2
  exit 1
fi
pg_dir=$(mktemp -d /tmp/posfleet-pg.XXXXXX)
pg_port=${TEST_PG_PORT:-54329}
# initdb refuses to run as root; Debian's package provides the postgres user for that case.
if [ "$(id -u)" = 0 ]; then
  chown postgres "$pg_dir"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o "-p $pg_port -k $pg_dir -c listen_addresses=localhost -c fsync=off" start >/dev/null
trap 'as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"' EXIT
export TEST_DATABASE_URL="postgres://postgres@localhost:$pg_port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on port $pg_port"
