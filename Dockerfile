# syntax=docker/dockerfile:1
#
# One image per service: docker build --build-arg SERVICE=retailer -t kummerer/retailer .
# SERVICE is the Cargo package (and binary) name: retailer | manufacturer | logistics.
# Needs BuildKit (the default builder of current Docker) for the cache mounts below.

FROM rust:1.95-bookworm AS builder
ARG SERVICE
WORKDIR /src
COPY . .
# The registry, git checkouts and target/ live in BuildKit cache mounts, so a rebuild after a
# source change recompiles only the workspace crates, not the dependencies. The binary is
# copied out of the cached target/ in the same step (a cache mount is not part of the layer).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    set -eux; \
    test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<retailer|manufacturer|logistics>" >&2; exit 1; }; \
    cargo build --release --locked -p "${SERVICE}"; \
    install -m 0755 "target/release/${SERVICE}" /service

# The demo seed (deploy/demo/seed.sh) with what it needs: curl, jq and the retailer binary (for
# `create-admin`). Built only on request: docker build --target demo-seed --build-arg
# SERVICE=retailer (docker compose --profile demo does it).
FROM debian:bookworm-slim AS demo-seed
ARG SERVICE
RUN set -eux; \
    test "${SERVICE}" = retailer || { echo "build the demo seed with --build-arg SERVICE=retailer" >&2; exit 1; }; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl jq; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /var/lib/kummerer-demo
COPY --from=builder /service /usr/local/bin/retailer
COPY deploy/demo/seed.sh /usr/local/bin/kummerer-demo-seed
ENTRYPOINT ["bash", "/usr/local/bin/kummerer-demo-seed"]

FROM debian:bookworm-slim AS runtime
ARG SERVICE
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 kummerer; \
    useradd --system --uid 10001 --gid kummerer --no-create-home --shell /usr/sbin/nologin kummerer; \
    mkdir -p /var/lib/kummerer/photos; \
    chown -R 10001:10001 /var/lib/kummerer
COPY --from=builder /service /usr/local/bin/service
LABEL org.opencontainers.image.title="kummerer-${SERVICE}"
ENV LOG_FORMAT=json \
    RUST_LOG=info
USER 10001:10001
# No argument: run the service (migrations are applied at start).
# `migrate`: apply migrations and exit. `dlq list` / `dlq replay`: dead-letter operations.
ENTRYPOINT ["/usr/local/bin/service"]
