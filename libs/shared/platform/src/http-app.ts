import { type INestApplication, type Type, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PUBLIC_OPERATION_EXTENSION } from '@vgp/auth';
import { Logger } from 'nestjs-pino';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { IncomingMessage } from 'node:http';
import { AppConfig } from './app-config.js';
import { parseAppConfig } from './app-config.schema.js';
import { correlationIdOf } from './correlation-id.js';
import { ProblemException } from './problem.exception.js';
import { frameworkErrorHandler, trackRoutes } from './routing-errors.js';

// OpenAPI cannot describe a WebSocket, so the signalling protocol is summarised here for frontend developers.
const API_DESCRIPTION = [
  'Virtual-GP consultations: booking, calls, recordings, replays and their audit.',
  'Errors are application/problem+json (RFC 9457). Ids that are not yours answer 404, exactly like ids that do not exist.',
  '',
  '**WebSocket `/v1/signalling`** (JSON text frames, at most 64 KiB; no token in the URL):',
  '- client → server: `join {callId, token}` first, then `offer {sdp}`, `answer {sdp}`, `ice {candidate}`, `switch-media {mode: "audio"|"video"}`, `leave`, `end`;',
  '- server → client: `joined {callId, consultationId, mode, segmentId, peers}`, `peer-joined`, `peer-left`, `offer`/`answer`/`ice {from, ...}` (from the other participant of the same call only), `media-switched {mode, segmentId, segmentSeq, by}`, `call-ended`, `error {code, detail}`.',
].join('\n');

export type HttpAppOptions = {
  serviceName?: string;
  /** Serve Swagger UI at /docs and the document at /docs-json (default true). */
  swagger?: boolean;
};

// Media uploads are streamed to the object store, never buffered in memory.
// Parameters allowed: browsers label MediaRecorder output as audio/webm;codecs=opus.
const MEDIA_TYPES = /^(audio|video)\/[a-z0-9.+-]+\s*(;.*)?$/i;

/** The Fastify adapter with the JSON body limit from config. */
export const createFastifyAdapter = (maxJsonBodyBytes: number): FastifyAdapter =>
  new FastifyAdapter({
    bodyLimit: maxJsonBodyBytes,
    trustProxy: false,
    return503OnClosing: true,
    // Fastify's request id is the correlation id, so every log line agrees on one id.
    genReqId: (req: IncomingMessage) => correlationIdOf(req),
    frameworkErrors: frameworkErrorHandler,
  });

/**
 * Everything an app needs beyond PlatformModule: WebSockets, media parser, OpenAPI, logger,
 * shutdown hooks. Call before `init()`/`listen()`; tests call it on their testing app too.
 */
export const configureHttpApp = (app: NestFastifyApplication, options: HttpAppOptions = {}): NestFastifyApplication => {
  const config = app.get(AppConfig);
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new WsAdapter(app));
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  // Routes are registered at init, after this: every one is recorded, so a wrong method can answer 405 with Allow.
  trackRoutes(fastify);
  // JSON only: a text/plain body on a JSON endpoint is a 415, not a string handed to validation.
  fastify.removeContentTypeParser('text/plain');
  const maxUpload = config.get('MAX_UPLOAD_BYTES');
  fastify.addContentTypeParser(MEDIA_TYPES, { bodyLimit: maxUpload }, (req, payload, done) => {
    // Fastify does not enforce bodyLimit on streams: refuse a declared oversize early; the
    // consumer must still cap the bytes it reads (ObjectStore.put maxBytes).
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxUpload) {
      done(
        new ProblemException(413, {
          type: 'upload-too-large',
          title: 'Payload Too Large',
          detail: `Uploads are limited to ${maxUpload} bytes.`,
          extensions: { maxBytes: maxUpload },
        }),
      );
      return;
    }
    done(null, payload);
  });

  if (options.swagger !== false) {
    const document = new DocumentBuilder()
      .setTitle(`VGP ${options.serviceName ?? 'platform'} API`)
      .setVersion(config.get('SOFTWARE_VERSION'))
      .setDescription(API_DESCRIPTION)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build();
    // cleanupOpenApiDoc turns the JSON Schema of zod DTOs into OpenAPI 3.0 (nullable, refs) as the rest of the document.
    SwaggerModule.setup('docs', app, () => publicOperationsUnsecured(cleanupOpenApiDoc(SwaggerModule.createDocument(app, document))), {
      jsonDocumentUrl: 'docs-json',
    });
  }
  return app;
};

/**
 * Public operations (`@Public()`) carry `security: []`, which overrides the document's global bearer requirement.
 * Swagger's own explorer drops an empty requirement, so the marker extension is turned into it here.
 */
const publicOperationsUnsecured = (document: OpenAPIObject): OpenAPIObject => {
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as Record<string, unknown>[]) {
      if (typeof operation !== 'object' || !operation || !(PUBLIC_OPERATION_EXTENSION in operation)) continue;
      delete operation[PUBLIC_OPERATION_EXTENSION];
      operation.security = [];
    }
  }
  return document;
};

/** Creates the Fastify Nest app of a service (or of the embedded all-in-one platform). */
export const createHttpApp = async (
  rootModule: Type<unknown> | DynamicModule,
  options: HttpAppOptions = {},
): Promise<NestFastifyApplication> => {
  // Body limit is needed before the module graph exists; PlatformModule validates the same env.
  const maxJson = parseAppConfig(process.env).MAX_JSON_BODY_BYTES;
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, createFastifyAdapter(maxJson), { bufferLogs: true });
  return configureHttpApp(app, options);
};

type TestingModuleLike = {
  get<T>(type: Type<T>): T;
  createNestApplication<T extends INestApplication>(adapter: FastifyAdapter, options?: object): T;
};

/** The same app from a compiled @nestjs/testing module, so tests exercise the real edge. */
export const createTestingHttpApp = (moduleRef: TestingModuleLike, options: HttpAppOptions = {}): NestFastifyApplication => {
  const config = moduleRef.get(AppConfig);
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config.get('MAX_JSON_BODY_BYTES')), {
    bufferLogs: true,
  });
  return configureHttpApp(app, { swagger: false, ...options });
};

/** Binds HOST:PORT from config; answers the URL it listens on (with the real port when PORT=0). */
export const listen = async (app: NestFastifyApplication): Promise<string> => {
  const config = app.get(AppConfig);
  await app.listen(config.get('PORT'), config.get('HOST'));
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.get('PORT');
  const host = config.get('HOST');
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
};
