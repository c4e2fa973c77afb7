# redwatch: the monitoring service. Build: docker build -t redwatch .
# Run:   docker run -v redwatch-data:/data -v $PWD/watchlist.yaml:/config/watchlist.yaml:ro redwatch
# The image installs redwatch from its wheel, as any user would: templates and migrations are
# package data, so nothing of the source tree is copied into the final stage.
# The wheel is built with the matching engine compiled to C (REDWATCH_COMPILE=1, setup.py): the
# full image has the C compiler, the final one needs none.
FROM python:3.11-bookworm AS wheel
WORKDIR /src
COPY pyproject.toml README.md setup.py MANIFEST.in ./
COPY build_backend ./build_backend
COPY monitor ./monitor
RUN REDWATCH_COMPILE=1 pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_DATA_DIR=/data \
    MONITOR_WATCHLIST=/config/watchlist.yaml \
    MONITOR_HTTP_PORT=8080 \
    MONITOR_HTTP_HOST=127.0.0.1

RUN groupadd --system --gid 10001 redwatch \
    && useradd --system --uid 10001 --gid redwatch --home-dir /app --shell /usr/sbin/nologin redwatch \
    && mkdir -p /data /config \
    && chown redwatch:redwatch /data \
    && chmod 0700 /data

WORKDIR /app
COPY constraints.txt /tmp/constraints.txt
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-cache-dir -c /tmp/constraints.txt /tmp/wheels/redwatch-*.whl \
    && rm -rf /tmp/wheels /tmp/constraints.txt
COPY watchlist.yaml /config/watchlist.yaml

USER 10001:10001
VOLUME ["/data"]

HEALTHCHECK --interval=60s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["monitor"]
CMD ["run"]
