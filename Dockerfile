# Dockerfile — the replica image: `chaindrill replica` in a pod (deploy/helm/chaindrill runs it).
#
#   docker build -t chaindrill/replica:dev .
#   kind load docker-image chaindrill/replica:dev --name chaindrill
#
# Two stages on Debian bookworm, the distribution the project builds and tests on. The build stage
# installs the [build] packages of scripts/packages.txt (the one list; nothing is repeated here)
# and builds with the project's own cmake line, tests off. The runtime stage holds the binary and
# the shared libraries it links, nothing else. No HEALTHCHECK: Kubernetes probes the replica's
# GET /v1/ready (docs/chart.md). tests/e2e/image.sh checks this file statically.

FROM debian:bookworm-slim AS build
COPY scripts/packages.txt /tmp/packages.txt
RUN set -eu; \
    pkgs=$(sed -n '/^\[build\]$/,/^\[/{/^\[/d;/^#/d;/^$/d;p}' /tmp/packages.txt); \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs; \
    rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHAINDRILL_TESTS=OFF \
 && cmake --build build -j"$(nproc)" \
 && strip build/chaindrill \
 && build/chaindrill replica --help >/dev/null

FROM debian:bookworm-slim
# The runtime libraries of what the build stage linked (readelf -d build/chaindrill: NEEDED).
RUN set -eu; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libcurl4 libjansson4 libmicrohttpd12 librocksdb7.8 libssl3 libyaml-0-2; \
    rm -rf /var/lib/apt/lists/*
# A fixed uid/gid, the chart's securityContext default: files on the volumes belong to it.
RUN groupadd --system --gid 10001 chaindrill \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin chaindrill \
 && mkdir -p /concord/rocksdbdata \
 && chown 10001:10001 /concord/rocksdbdata
COPY --from=build /src/build/chaindrill /usr/local/bin/chaindrill
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/chaindrill", "replica"]
CMD ["--help"]
