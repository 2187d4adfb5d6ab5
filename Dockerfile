# syntax=docker/dockerfile:1
# otpgate's image: `docker build -t otpgate .`; compose.yaml runs two nodes on PostgreSQL and Redis, and
# docs/operations.md tells the rest. test/container.test.ts runs this file's build and start steps in a
# temporary directory, so they stay true.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would build before the sources are copied (the step after next builds).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json tsconfig.client.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
# The operator console's sources: Vite builds them into console/dist, which the service serves at /admin.
COPY console ./console
RUN npm run -s build
RUN npm prune --omit=dev --no-audit --no-fund --ignore-scripts

FROM ${NODE_IMAGE}
# tini is PID 1: it hands SIGTERM to node (which drains, then exits) and reaps; `docker run --init` or
# compose's `init: true` would do the same for an image without it.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /data \
  && chown node:node /data
ENV NODE_ENV=production \
  DATA_DIR=/data \
  PORT=8080
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY bin ./bin
# PGlite's files and the dev outbox when no DATABASE_URL is set; nothing else writes to disk.
VOLUME ["/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# A young generation of 8 MiB per semi-space, and a heap limit that makes V8 collect its old generation sooner:
# under 200 MiB resident under load, no measured cost (docs/operations.md, docs/benchmarks.md).
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=1024", "dist/server.js"]
