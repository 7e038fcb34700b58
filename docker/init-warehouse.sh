#!/usr/bin/env bash
# Runs once, when the PostgreSQL volume is first created: Airflow's metadata database is
# made by the image (POSTGRES_DB); this adds the trustwatch warehouse and its own role.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v wh_password="$TRUSTWATCH_DB_PASSWORD" <<'SQL'
CREATE ROLE trustwatch LOGIN PASSWORD :'wh_password';
CREATE DATABASE trustwatch OWNER trustwatch;
SQL
