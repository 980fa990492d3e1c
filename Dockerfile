# One image for every service; SERVICE picks the app (booking-service, ..., platform).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
RUN useradd --uid 10001 --create-home vgp && mkdir -p /data && chown vgp /data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.base.json tsconfig.json .swcrc ./
COPY apps ./apps
COPY libs ./libs
USER 10001
ENV DATA_DIR=/data PORT=3000 HOST=0.0.0.0
EXPOSE 3000
ARG SERVICE=platform
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "exec node -r @swc-node/register apps/${SERVICE}/src/main.ts"]
