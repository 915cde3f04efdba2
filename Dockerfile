# Parley as a container image (docs/DEPLOYMENT.md). Untested here: the machine this repository
# is developed on has no Docker engine.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is compiled when no prebuilt binary fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY packages/sdk/package.json packages/sdk/package.json
COPY packages/web/package.json packages/web/package.json
# `prepare` would build before the sources are here: install first, build below.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3 esbuild
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build --chown=root:root /app /app
# Not root: the image's `node` user (uid 1000); it writes nothing but /app/data (SQLite only).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# SIGTERM drains (docs/adr/0006-graceful-drain.md): give `docker stop` more than
# PARLEY_DRAIN_TIMEOUT_MS, e.g. `docker stop -t 30` or `stop_grace_period: 30s` in compose.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=32", "dist/cli/parley.js", "serve"]
