# gitfleet operator image. Build: docker build -t gitfleet .
# Run:   docker run -d -e GITFLEET_REPO_URL=https://git.example/ops.git gitfleet
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
# The operator's working directory (Git caches, config) lives outside the program.
RUN mkdir -p /var/lib/gitfleet && chown node:node /var/lib/gitfleet
WORKDIR /var/lib/gitfleet
USER node
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["run"]
