import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { type OpenCall, participantRoleOf } from '../domain/call.decider.js';
import { CALL_QUERIES, type CallQueries } from './call.queries.js';
import { type CallView, GetCallQuery } from './get-call.query.js';

@QueryHandler(GetCallQuery)
export class GetCallHandler implements IQueryHandler<GetCallQuery, CallView | null> {
  constructor(@Inject(CALL_QUERIES) private readonly calls: CallQueries) {}

  async execute({ callId, caller }: GetCallQuery): Promise<CallView | null> {
    const call = await this.calls.get(callId);
    if (!call || !participantRoleOf(call, caller)) return null;
    return callViewOf(call);
  }
}

export const callViewOf = (call: OpenCall): CallView => ({
  callId: call.callId,
  consultationId: call.consultationId,
  status: call.status,
  mode: call.mode,
  currentSegmentId: call.currentSegmentId,
  segments: call.segments.map(({ segmentId, seq, mode }) => ({ segmentId, seq, mode })),
  participants: [
    { userId: call.patientId, role: 'patient' as const, online: call.online.includes(call.patientId) },
    { userId: call.clinicianId, role: 'clinician' as const, online: call.online.includes(call.clinicianId) },
  ],
});
