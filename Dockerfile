# One image for every Airflow component and the review web app: Airflow 3.3 on Python 3.11
# with trustwatch's runtime set (requirements.txt + constraints.txt). No test tools: the
# development file (pytest, ruff, playwright...) is never installed here.
FROM apache/airflow:3.3.2-python3.11

USER root
# WeasyPrint (the weekly report PDF) needs Pango at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*
# TRUSTWATCH_VAR_DIR: the trustwatch-var volume is mounted here. A named volume starts as
# a copy of the image's directory, so it must exist and belong to the airflow user
# (UID 50000, the user every service runs as) or nothing can write to it.
RUN mkdir -p /opt/trustwatch/var/airflow \
 && chown -R 50000:0 /opt/trustwatch/var \
 && chmod -R 0770 /opt/trustwatch/var
USER airflow

WORKDIR /opt/trustwatch
# torch from PyTorch's CPU-only index first: PyPI's default wheel is the CUDA build (GBs
# of GPU libraries a CPU-only worker never uses). The pinned set then finds it installed.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY --chown=airflow:root requirements.txt constraints.txt pyproject.toml README.md ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY --chown=airflow:root trustwatch ./trustwatch
COPY --chown=airflow:root connectors ./connectors
COPY --chown=airflow:root classifiers ./classifiers
COPY --chown=airflow:root config ./config
COPY --chown=airflow:root sql ./sql
RUN pip install --no-cache-dir --no-deps -e .
# Airflow imports $AIRFLOW_HOME/config/airflow_local_settings.py in every process: the same
# file `trustwatch airflow start` writes, so the Celery worker loads the classifier and the
# event path's modules once, before it forks tasks (trustwatch/deploy/preload.py).
RUN python -c "import os, pathlib; from trustwatch.deploy.native import write_local_settings; write_local_settings(pathlib.Path(os.environ['AIRFLOW_HOME']))"
