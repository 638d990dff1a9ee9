# One image for the four services (each compose service / Helm Deployment picks its entry point).
# Multi-stage: build with dev dependencies, ship only production dependencies and dist/, run as non-root.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# A bounded heap: each service's live set is tens of MB, and without a limit V8 lets garbage pile up to several
# hundred MB of RSS (docs/benchmarks.md). Raise it with the container's memory limit if ever needed.
ENV NODE_OPTIONS=--max-old-space-size=128
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/apps/admin-api/src/main.js"]
