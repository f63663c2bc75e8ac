# syntax=docker/dockerfile:1
# The invitebot image: one image for every process (release, web, worker, clock), chosen by its
# command: `docker run IMAGE web`, `… worker`, `… clock`, `… db upgrade`. compose.yaml runs them.
# tests/e2e/test_package.py runs the same steps outside a container (docs/deployment.md).

# Stage 1: the wheel, built from these sources only.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml ./
COPY core core
COPY bot bot
COPY worker worker
COPY entrypoints entrypoints
COPY migrations migrations
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# Stage 2: the locked dependencies (hash-checked), then the wheel alone on top of them.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /tmp/requirements.lock
RUN python -m pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock
COPY --from=build /dist/ /tmp/dist/
RUN python -m pip install --no-cache-dir --no-deps /tmp/dist/*.whl \
    && rm -rf /tmp/dist /tmp/requirements.lock \
    && groupadd --gid 10001 invitebot \
    && useradd --create-home --uid 10001 --gid 10001 invitebot
# Numeric, so that a platform can tell it is not root (Kubernetes' runAsNonRoot).
USER 10001:10001
WORKDIR /home/invitebot
# PORT set: the web process listens on every interface (HOST defaults to 0.0.0.0 when PORT is given).
ENV PORT=3000 \
    VAR_DIR=/home/invitebot/var
EXPOSE 3000
# The web process's health (database and Redis reachable); compose disables it for the others.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
ENTRYPOINT ["invitebot"]
CMD ["web"]
