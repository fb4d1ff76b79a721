# One image for the API and the decode workers (the command picks the role).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# onnxruntime-node ships prebuilt binaries; install scripts of other packages are not needed.
RUN npm ci --no-audit --no-fund --loglevel=error
COPY prisma ./prisma
COPY scripts/prisma-generate.sh ./scripts/prisma-generate.sh
COPY server ./server
RUN bash scripts/prisma-generate.sh
COPY scripts ./scripts
COPY models ./models
COPY experiments/*.jsonl ./experiments/
COPY tsconfig.json ./
RUN mkdir -p /app/.spool && chown node /app/.spool
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npx", "tsx", "server/main-api.ts"]
