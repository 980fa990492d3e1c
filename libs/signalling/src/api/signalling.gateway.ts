import { Inject, Logger, type OnModuleInit } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { type AuthenticatedUser, TokenKeysUnavailable, TokenVerifier } from '@vgp/auth';
import { DomainError, isDomainError } from '@vgp/domain';
import type { BroadcastSubscription } from '@vgp/messaging';
import { AppConfig, type Clock, CLOCK, correlationIdOf, EventMetadataFactory, runWithCorrelationId, webSocketErrorOf } from '@vgp/platform';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RawData, WebSocket } from 'ws';
import { CallActionCommand, type CallAction } from '../application/call-action.command.js';
import { CALL_CHANGES, type CallChanges } from '../application/call-changes.js';
import { CallRelay, type RelayedFrame, type ServerFrame } from '../application/call-relay.js';
import { CALL_QUERIES, type CallQueries } from '../application/call.queries.js';
import { type KeepAliveSettings, SIGNALLING_CONFIG } from '../application/signalling.config.js';
import { type Caller, type OpenCall, participantRoleOf, type ParticipantRole } from '../domain/call.decider.js';
import { CallAlreadyEnded, CallNotFound } from '../domain/call.errors.js';
import {
  type ClientMessage,
  clientMessageSchema,
  describeInvalid,
  MAX_FRAME_BYTES,
  type SignallingErrorCode,
} from './signalling.messages.js';

const JOIN_TIMEOUT_MS = 15_000;
const OPEN = 1;

type Membership = { callId: string; user: AuthenticatedUser; caller: Caller; role: ParticipantRole };

/** One WebSocket connection; its frames are handled one at a time, in order. */
class Session {
  joined: Membership | null = null;
  private queue: Promise<void> = Promise.resolve();
  joinTimer?: NodeJS.Timeout;
  keepAlive?: NodeJS.Timeout;
  /** When the client was last heard (a frame or a pong), on the monotonic clock: liveness, not domain time. */
  lastHeard = performance.now();

  constructor(
    readonly socket: WebSocket,
    readonly correlationId: string,
  ) {}

  enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work);
  }

  send(frame: ServerFrame): void {
    if (this.socket.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  error(code: SignallingErrorCode, detail: string): void {
    this.send({ type: 'error', code, detail });
  }

  /** A refusal of the call's rules, as the one error table words it for WebSocket clients. */
  refuse(error: DomainError): void {
    this.send({ type: 'error', ...webSocketErrorOf(error) });
  }
}

/**
 * WebRTC signalling for booked calls. A socket must first `join` with its JWT (never in the URL);
 * the call and the caller's role come from the server's records. Offer, answer and ICE are relayed
 * only to the other participants of the same call, through the relay to every replica (ADR 0024). Join, leave,
 * switch and end are appended to the event store before anyone is told; who is in the call comes from there,
 * never from this replica's sockets. Every socket is pinged; one that stays silent is closed and leaves.
 */
@WebSocketGateway({ path: '/v1/signalling', maxPayload: MAX_FRAME_BYTES })
export class SignallingGateway implements OnGatewayConnection, OnModuleInit {
  private readonly logger = new Logger(SignallingGateway.name);
  private readonly rooms = new Map<string, Set<Session>>();
  private readonly sessions = new Set<Session>();
  private closing = false;
  private unsubscribe?: () => void;
  private relayed?: BroadcastSubscription;
  private readonly keepAlive: KeepAliveSettings;

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly commands: CommandBus,
    @Inject(CALL_QUERIES) private readonly calls: CallQueries,
    @Inject(CALL_CHANGES) private readonly changes: CallChanges,
    private readonly relay: CallRelay,
    private readonly metadata: EventMetadataFactory,
    @Inject(CLOCK) private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.keepAlive = config.of(SIGNALLING_CONFIG);
  }

  async onModuleInit(): Promise<void> {
    // However a call ends (hang-up, cancelled consultation, on any replica), its sockets here hear it: every
    // replica's own calls projection sees every CallEnded of the shared store.
    this.unsubscribe = this.changes.onChange((event) => {
      if (event.type === 'CallEnded') this.closeRoom(event.data.callId, event.data.reason);
    });
    // Before the server listens: no frame for a socket of this replica can be published before it hears them.
    this.relayed = await this.relay.listen((relayed) => this.deliver(relayed));
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const session = new Session(socket, correlationIdOf(request));
    if (this.closing) {
      socket.close(1001, 'shutting down');
      return;
    }
    // Tokens in URLs end up in logs and browser history: refuse any query string outright.
    if (new URL(request.url ?? '/', 'ws://signalling').search) {
      session.error('invalid_message', 'Connect to /v1/signalling without a query string; send the token in the join message.');
      socket.close(1008, 'query string refused');
      return;
    }
    this.sessions.add(session);
    const { pingIntervalSeconds, idleTimeoutSeconds } = this.keepAlive;
    session.send({ type: 'welcome', pingIntervalSeconds, idleTimeoutSeconds, joinTimeoutSeconds: JOIN_TIMEOUT_MS / 1000 });
    const heard = () => (session.lastHeard = performance.now());
    socket.on('pong', heard);
    session.keepAlive = setInterval(
      // After this turn's I/O: a pong that waited out a busy event loop counts before the socket is judged.
      () =>
        setImmediate(() => {
          if (performance.now() - session.lastHeard >= idleTimeoutSeconds * 1000) {
            // Gone without a close (a dead network, a sleeping laptop): no close handshake would complete either.
            socket.terminate();
            return;
          }
          if (socket.readyState === OPEN) socket.ping();
        }),
      pingIntervalSeconds * 1000,
    );
    session.keepAlive.unref();
    session.joinTimer = setTimeout(() => {
      if (session.joined) return;
      session.error('unauthenticated', `Send a join message within ${JOIN_TIMEOUT_MS / 1000} seconds of connecting.`);
      socket.close(1008, 'join timeout');
    }, JOIN_TIMEOUT_MS);
    session.joinTimer.unref();
    socket.on('message', (data: RawData, isBinary: boolean) => {
      heard();
      session.enqueue(() => this.guarded(session, () => this.onFrame(session, data, isBinary)));
    });
    socket.on('close', () => {
      clearTimeout(session.joinTimer);
      clearInterval(session.keepAlive);
      this.sessions.delete(session);
      session.enqueue(() => this.guarded(session, () => this.depart(session)));
    });
  }

  /** Records everyone still connected as having left, and closes their sockets (graceful shutdown). */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.unsubscribe?.();
    const open = [...this.sessions];
    await Promise.all(
      open.map(
        (session) =>
          new Promise<void>((resolve) => {
            session.enqueue(async () => {
              await this.guarded(session, () => this.depart(session));
              session.socket.close(1001, 'shutting down');
              resolve();
            });
          }),
      ),
    );
    // Last: the departures above still reach this replica's other sockets through it.
    await this.relayed?.stop();
  }

  private async guarded(session: Session, work: () => Promise<void>): Promise<void> {
    try {
      await runWithCorrelationId(session.correlationId, work);
    } catch (error) {
      this.reportFailure(session, error);
    }
  }

  private async onFrame(session: Session, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return session.error('invalid_message', 'Frames are JSON text, not binary.');
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    } catch {
      return session.error('invalid_message', 'Frames are JSON objects with a type field.');
    }
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) return session.error('invalid_message', describeInvalid(parsed.error));
    const message = parsed.data;
    if (message.type === 'join') {
      if (session.joined)
        return session.error('invalid_message', 'This socket has already joined a call; open another socket for another call.');
      return this.join(session, message.callId, message.token);
    }
    const membership = session.joined;
    if (!membership) return session.error('not_joined', 'Send a join message first.');
    return this.inCall(session, membership, message);
  }

  private async join(session: Session, callId: string, token: string): Promise<void> {
    let user: AuthenticatedUser;
    try {
      user = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenKeysUnavailable) return session.error('unavailable', 'Tokens cannot be checked right now; retry shortly.');
      this.logger.debug('signalling join refused: invalid token');
      session.error('unauthenticated', 'Send a valid, unexpired token in the join message.');
      session.socket.close(1008, 'unauthenticated');
      return;
    }
    const caller: Caller = { userId: user.id, clinicId: user.clinicId };
    const call = await this.calls.get(callId);
    const role = call ? participantRoleOf(call, caller) : null;
    // Unknown, malformed, foreign, or a participant id under a token without that role: all the same.
    if (!call || !role || !user.roles.includes(role)) return session.refuse(new CallNotFound());
    await this.commands.execute(
      new CallActionCommand(callId, { type: 'JoinCall' }, caller, this.clock(), this.metadata.forUser(user, role)),
    );
    if (session.socket.readyState !== OPEN) {
      // The socket went away while the join was being recorded: record the departure too.
      await this.record(callId, { type: 'LeaveCall' }, { callId, user, caller, role });
      return;
    }
    clearTimeout(session.joinTimer);
    const current = (await this.calls.get(callId)) ?? call;
    session.joined = { callId, user, caller, role };
    this.roomOf(callId).add(session);
    session.send({
      type: 'joined',
      callId,
      consultationId: current.consultationId,
      mode: current.mode,
      segmentId: current.currentSegmentId,
      // From the stored call, so a peer connected to another replica is listed too.
      peers: peersOf(current, user.id),
    });
    await this.relay.send(callId, { type: 'peer-joined', userId: user.id, role }, user.id);
  }

  private async inCall(session: Session, membership: Membership, message: Exclude<ClientMessage, { type: 'join' }>): Promise<void> {
    const { callId, user } = membership;
    switch (message.type) {
      case 'offer':
      case 'answer':
        return this.relay.send(callId, { type: message.type, from: user.id, sdp: message.sdp }, user.id);
      case 'ice':
        return this.relay.send(callId, { type: 'ice', from: user.id, candidate: message.candidate }, user.id);
      case 'switch-media': {
        const { events, state } = await this.record(callId, { type: 'SwitchMedia', mode: message.mode }, membership);
        if (events.length === 0 || state.status === 'none') return;
        const seq = state.segments.find((s) => s.segmentId === state.currentSegmentId)?.seq;
        await this.relay.send(callId, {
          type: 'media-switched',
          mode: state.mode,
          segmentId: state.currentSegmentId,
          segmentSeq: seq,
          by: user.id,
        });
        return;
      }
      case 'leave':
        await this.depart(session);
        session.socket.close(1000, 'left');
        return;
      case 'end':
        // The read model's CallEnded tells every socket of the call, this one included.
        await this.record(callId, { type: 'EndCall' }, membership);
        return;
    }
  }

  /** A socket leaves its call; the participant is recorded as gone once their last socket on this replica has. */
  private async depart(session: Session): Promise<void> {
    const membership = session.joined;
    if (!membership) return;
    session.joined = null;
    const room = this.rooms.get(membership.callId);
    room?.delete(session);
    if (room && room.size === 0) this.rooms.delete(membership.callId);
    const stillHere = [...(room ?? [])].some((s) => s.joined?.user.id === membership.user.id);
    if (stillHere) return;
    try {
      await this.record(membership.callId, { type: 'LeaveCall' }, membership);
    } catch (error) {
      // Leaving an ended call needs no record.
      if (!(error instanceof CallAlreadyEnded)) throw error;
      return;
    }
    await this.relay.send(membership.callId, { type: 'peer-left', userId: membership.user.id, role: membership.role }, membership.user.id);
  }

  private record(callId: string, action: CallAction, { user, caller, role }: Membership) {
    return this.commands.execute(new CallActionCommand(callId, action, caller, this.clock(), this.metadata.forUser(user, role)));
  }

  /** A frame from any replica (this one included) to this replica's sockets of the call, its sender's excepted. */
  private deliver({ callId, except, frame }: RelayedFrame): void {
    for (const session of this.rooms.get(callId) ?? []) {
      if (session.joined?.callId === callId && session.joined.user.id !== except) session.send(frame);
    }
  }

  private closeRoom(callId: string, reason: string): void {
    const room = this.rooms.get(callId);
    if (!room) return;
    this.rooms.delete(callId);
    for (const session of room) {
      session.send({ type: 'call-ended', callId, reason });
      session.joined = null;
      session.socket.close(1000, 'call ended');
    }
  }

  private roomOf(callId: string): Set<Session> {
    let room = this.rooms.get(callId);
    if (!room) this.rooms.set(callId, (room = new Set()));
    return room;
  }

  private reportFailure(session: Session, error: unknown): void {
    if (isDomainError(error)) return session.refuse(error);
    // Names only: messages may carry ids of other people's records.
    this.logger.error(`signalling frame failed: ${error instanceof Error ? error.name : typeof error}`);
    session.error('internal', `Something went wrong; quote ${session.correlationId} when reporting it.`);
  }
}

/** The call's other participants who are online, as the store records them. */
const peersOf = (call: OpenCall, self: string): { userId: string; role: ParticipantRole }[] =>
  call.online.flatMap((userId) => {
    const role = userId === self ? null : participantRoleOf(call, { userId, clinicId: call.clinicId });
    return role ? [{ userId, role }] : [];
  });
