# syntax=docker/dockerfile:1
# The Switchyard image: one `switchyard` binary for every mode (serve, operator, proxy, validate).
#
#   docker build -t switchyard:dev .
#   docker run --rm switchyard:dev --help
#
# Stages: `build` compiles TypeScript to dist/ (Node does not strip types under node_modules, and the compiled
# build starts faster, ADR 0001); `deps` installs the production dependencies only; the runtime stage is distroless
# Node 24 (no shell, no package manager) running as a numeric non-root user. Dependencies come from the lockfile
# with install scripts off (`npm ci --ignore-scripts`): no package runs code at build time. Tested without a container
# runtime by test/image/dockerfile.test.ts, which lints this file and runs the stages' commands.

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY cmd ./cmd
COPY pkg ./pkg
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --omit=dev --no-audit --no-fund

FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
USER 65532:65532
# proxy: data 8080, admin 9090; operator: sync 8081, admin 9091
EXPOSE 8080 9090 8081 9091
# Every mode shares this entry point: bin/switchyard.js gives serve and proxy their node flags (bin/node-flags.js,
# ADR 0025) and leaves the operator's alone; set NODE_OPTIONS (or SWITCHYARD_NODE_FLAGS) to choose others.
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/switchyard.js"]
CMD ["--help"]
