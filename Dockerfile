# One image for every Airflow component and the review web app: Airflow 3.3 on Python 3.11
# with trustwatch installed from the pinned set (requirements.txt + constraints.txt).
FROM apache/airflow:3.3.2-python3.11

USER root
# WeasyPrint (the weekly report PDF) needs Pango at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*
USER airflow

WORKDIR /opt/trustwatch
COPY --chown=airflow:root requirements.txt constraints.txt pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY --chown=airflow:root trustwatch ./trustwatch
COPY --chown=airflow:root connectors ./connectors
COPY --chown=airflow:root classifiers ./classifiers
COPY --chown=airflow:root config ./config
COPY --chown=airflow:root sql ./sql
RUN pip install --no-cache-dir --no-deps -e .
