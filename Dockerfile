# One image for the API and the decode workers (the command picks the role).
#   docker compose up --build        (see docker-compose.yml and .env.example)

# Build stage: every dependency, devDependencies included (prisma generates the client).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY prisma ./prisma
COPY prisma.config.ts ./
COPY scripts/prisma-generate.sh ./scripts/prisma-generate.sh
RUN bash scripts/prisma-generate.sh && npm prune --omit=dev --no-audit --no-fund --loglevel=error

# Runtime stage: production dependencies, the generated client, the server and the models.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/server/generated ./server/generated
COPY package.json tsconfig.json ./
COPY prisma ./prisma
COPY server ./server
COPY models ./models
RUN mkdir -p .spool && chown node .spool
USER node
EXPOSE 3000 3002
# node itself is the process (no npm/npx wrapper), so SIGTERM reaches it and it shuts down gracefully;
# compose adds an init (init: true) to reap children.
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["server/main-api.ts"]
# The API probes /healthz on PORT; the worker overrides this with its ops port (docker-compose.yml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
