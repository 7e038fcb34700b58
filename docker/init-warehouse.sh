#!/usr/bin/env bash
# Creates the trustwatch warehouse role and database if they are missing, and sets the
# role's password from TRUSTWATCH_DB_PASSWORD. Safe on every start (the `warehouse-init`
# service runs it each time the stack comes up), not only on a fresh volume.
# Connection: the usual libpq variables (PGHOST, PGUSER, PGPASSWORD, PGDATABASE).
# WAREHOUSE_DB and WAREHOUSE_ROLE name the database and role (default trustwatch).
set -euo pipefail
: "${TRUSTWATCH_DB_PASSWORD:?set TRUSTWATCH_DB_PASSWORD (the warehouse role password)}"
psql -v ON_ERROR_STOP=1 -q \
  -v wh_db="${WAREHOUSE_DB:-trustwatch}" \
  -v wh_role="${WAREHOUSE_ROLE:-trustwatch}" \
  -v wh_password="$TRUSTWATCH_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'wh_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'wh_role')\gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'wh_role', :'wh_password')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'wh_db', :'wh_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'wh_db')\gexec
SQL
echo "warehouse database ${WAREHOUSE_DB:-trustwatch} ready (role ${WAREHOUSE_ROLE:-trustwatch})"
