# gitfleet operator image. Build: docker build -t gitfleet .
# Run (see "Installing" in the README):
#   docker run -d --name gitfleet -p 8080:8080 \
#     -v /etc/gitfleet:/etc/gitfleet:ro -v gitfleet-work:/var/lib/gitfleet gitfleet
# /etc/gitfleet holds operator.yaml (start from examples/operator.yaml), the Git credentials,
# the webhook secret and the secret store (secrets/, files mode 0600 owned by uid 1000).
# It reaches Docker hosts over TCP/TLS or SSH as configured; to manage the local host
# instead, mount the socket and join its group:
#   -v /var/run/docker.sock:/var/run/docker.sock --group-add "$(stat -c %g /var/run/docker.sock)"

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first: this layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# dist/cli/main.js and dist/spec/schemas.js read ../../package.json and ../../schemas/
# at run time, so both sit beside dist/.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
# Config and secrets (read-only mount) and the work dir (Git cache, hosts.json) live
# outside the program. The operator runs as the image's non-root user node (uid 1000).
RUN mkdir -p /etc/gitfleet /var/lib/gitfleet && chown node:node /var/lib/gitfleet
VOLUME ["/var/lib/gitfleet"]
WORKDIR /var/lib/gitfleet
USER node
# The webhook listener of examples/operator.yaml (webhook.listen 0.0.0.0:8080).
EXPOSE 8080
# The webhook answers GET /healthz while the operator runs. Without a webhook, run the
# container with --no-healthcheck (or override this with a check of your own).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The flags of src/daemon/node-flags.ts (V8 sizes its young generation at start-up).
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/dist/cli/main.js"]
CMD ["run", "--config", "/etc/gitfleet/operator.yaml"]
