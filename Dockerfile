# One image for every service; SERVICE picks the app (booking-service, ..., platform).
# Production runs the compiled JavaScript (npm run build), never TypeScript compiled at start.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.base.json ./
COPY tools/build ./tools/build
COPY apps ./apps
COPY libs ./libs
RUN node tools/build/compile.ts

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
RUN useradd --uid 10001 --create-home vgp && mkdir -p /data && chown vgp /data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
USER 10001
ENV DATA_DIR=/data PORT=3000 HOST=0.0.0.0
EXPOSE 3000
ARG SERVICE=platform
ENV SERVICE=${SERVICE}
CMD ["sh", "-c", "exec node --enable-source-maps dist/apps/${SERVICE}/src/main.js"]
