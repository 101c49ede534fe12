# syntax=docker/dockerfile:1
# carebot in a container: `docker compose up -d` (see compose.yaml and the README's
# "Deploy with Docker"). On its own, the image runs the sample clinic on SQLite in /data.

# --- build: install carebot and its dependencies into a virtual environment ------------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/carebot
WORKDIR /src
# Only what the package is built from: no tests, no .env, no local database.
COPY pyproject.toml README.md ./
COPY common ./common
COPY bot ./bot
COPY clinic ./clinic
COPY faq ./faq
COPY scheduler ./scheduler
COPY storage ./storage
COPY examples ./examples
# Every dependency ships wheels (psycopg[binary] included): no compiler is needed.
RUN /opt/carebot/bin/pip install --no-cache-dir .

# --- runtime: the virtual environment only, run by an unprivileged user ---------------
FROM python:3.11-slim

ENV PATH=/opt/carebot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080

# /data is the working directory: the default SQLite file (carebot.db) lands there, so
# mount a volume on it when running without PostgreSQL. It belongs to the carebot user,
# and a new named volume mounted there inherits that.
RUN groupadd --system --gid 10001 carebot \
    && useradd --system --uid 10001 --gid carebot --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin carebot \
    && mkdir /data /config \
    && chown carebot:carebot /data

COPY --from=build /opt/carebot /opt/carebot

USER carebot
WORKDIR /data

# The clinic's own clinic.yaml and faq.yaml go in /config (read-only mount), with
# CLINIC_FILE=/config/clinic.yaml and FAQ_FILE=/config/faq.yaml (compose.yaml sets both).
# Left unset, carebot uses the sample clinic shipped in the package.

EXPOSE 8080

# Liveness of the web app; the slim image has no curl, so Python's urllib asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('WEB_PORT', '8080') + '/healthz', timeout=4)"]

# `carebot run` applies the database migrations before it starts (bot.bootstrap), then
# runs the channels, the scheduler and the web app. It is PID 1 and handles SIGTERM
# (turns in flight get 10 s to finish) and SIGHUP (reload clinic.yaml and faq.yaml).
CMD ["carebot", "run"]
