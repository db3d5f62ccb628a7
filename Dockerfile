# syntax=docker/dockerfile:1
# One image for the seven services and the console; FIREBREAK_SERVICE picks which one runs:
#   docker run -e FIREBREAK_SERVICE=mapper -e NATS_URL=... -e DATABASE_URL=... firebreak
# Each service runs its migrations at start; `node dist/apps/<service>/src/migrate.js` runs them alone.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
# config/ and runbooks/ are read at run time; make sure they exist so the runtime stage can copy them.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && mkdir -p config runbooks

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
COPY --from=build /app/runbooks ./runbooks
USER node
# `exec` replaces the shell, so node itself gets SIGTERM and drains. Run it under an init (compose
# `init: true`, `docker run --init`) so that processes started by runbook steps are reaped.
CMD ["sh", "-c", "exec node \"dist/apps/${FIREBREAK_SERVICE:?set FIREBREAK_SERVICE to ingress, mapper, runbook-executor, detector-scheduler, notifier, slo-reporter, knowledge or console}/src/main.js\""]
