# One Dockerfile, one small image per service:
#   docker build --target ingest -t pos-event-gateway/ingest .
# Targets: ingest, fanout, qerko-bridge, admin-api, and migrate (the one-off schema job).
#
# Multi-stage: everything is compiled once in `build`; each service's stage then holds only that service's compiled
# code and its production dependencies (tools/scripts/service-package.mjs follows the service's require() graph and
# fails the build if it needs a package that is not a production dependency). Node's LTS slim image, non-root.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools/scripts/service-package.mjs ./tools/scripts/
RUN npm run build \
 && for service in ingest fanout qerko-bridge admin-api migrate; do \
      node tools/scripts/service-package.mjs "$service" --bundle "/out/$service" || exit 1; \
    done

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# A bounded heap: each service's live set is tens of MB, and without a limit V8 lets garbage pile up to several
# hundred MB of RSS (docs/benchmarks.md). Raise it together with the container's memory limit if ever needed.
ENV NODE_OPTIONS=--max-old-space-size=128
# Two glibc malloc arenas instead of up to 8 per core: the services do their work on one thread, and the arenas V8's
# helper threads would otherwise each get only hold memory (3-5 MB less RSS per service, docs/benchmarks.md).
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
# The code is root's and read-only to the service, which runs as the unprivileged `node` user (uid 1000).
USER node

FROM runtime AS ingest
COPY --from=build /out/ingest ./
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3001/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/ingest/src/main.js"]

FROM runtime AS fanout
# Fan-out's young generation at 8 MB per semi-space instead of 16: its peak RSS under load came within 10 MB of 200 MB
# (once above it), and half the young generation took 17 MB off on average for about 5 % more CPU per delivery
# (docs/benchmarks.md). Keep the heap limit when changing this line: it replaces the runtime stage's NODE_OPTIONS.
ENV NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=8"
COPY --from=build /out/fanout ./
EXPOSE 3002
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3002/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/fanout/src/main.js"]

FROM runtime AS qerko-bridge
COPY --from=build /out/qerko-bridge ./
EXPOSE 3003
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3003/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/qerko-bridge/src/main.js"]

FROM runtime AS migrate
COPY --from=build /out/migrate ./
CMD ["node", "dist/libs/persistence/src/migrate.main.js"]

# Last, so a plain `docker build .` gives the admin API.
FROM runtime AS admin-api
COPY --from=build /out/admin-api ./
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/admin-api/src/main.js"]
