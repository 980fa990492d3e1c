import { Controller, Get, Header, Query, UseInterceptors } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NoStoreInterceptor } from '@vgp/platform';
import { type AuthenticatedUser, CurrentUser, Roles } from '@vgp/auth';
import { SearchFhirAuditEventsQuery } from '../application/search-fhir-audit-events.query.js';
import { type FhirBundle, fhirDateRange } from '../domain/fhir-audit-event.js';
import { FhirBundleDto } from './audit.response.dto.js';
import { DEFAULT_FHIR_PAGE, SearchFhirAuditEventsRequestDto } from './search-fhir-audit-events.request.dto.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const SEARCH_PATH = '/v1/audit/fhir/AuditEvent';

@ApiTags('audit')
@ApiBearerAuth()
// Personal data: never cached by browsers or proxies.
@UseInterceptors(NoStoreInterceptor)
@Controller('v1/audit/fhir')
@Roles('compliance_officer')
export class AuditFhirController {
  constructor(private readonly queries: QueryBus) {}

  @Get('AuditEvent')
  @Header('Content-Type', FHIR_JSON)
  @ApiProduces('application/fhir+json')
  @ApiOperation({
    summary: 'Search the replay audit as FHIR R4 AuditEvents (IHE BALP)',
    description:
      'Compliance officers only, for their clinic. A searchset Bundle of AuditEvent resources, oldest first, one per list, grant, denial, view and consent share: type rest (subtype read/search/create/delete, action R/E/C/D) or DICOM 110106 Export for media bytes; outcome 0, or 4 for a denial; the requesting agent by user id; source.observer naming the service and software version; the patient and the recording (DocumentReference) as entities; the chain entry (seq, hash, prevHash) and the release (softwareVersion, feature flags) as extensions. Errors are application/problem+json.',
  })
  @ApiResponse({ status: 200, type: FhirBundleDto, description: 'application/fhir+json; follow the `next` link for more.' })
  @ApiResponse({ status: 400, description: 'A search parameter is malformed or unknown; `errors` names it.' })
  @ApiResponse({ status: 401, description: 'Missing, invalid or expired bearer token.' })
  @ApiResponse({ status: 403, description: 'Not a compliance officer.' })
  @ApiResponse({ status: 503, description: 'The audit store cannot be read.' })
  search(@CurrentUser() officer: AuthenticatedUser, @Query() query: SearchFhirAuditEventsRequestDto): Promise<FhirBundle> {
    const dates = query.date ?? [];
    // Refuses a day that does not exist (InvalidFhirDate, 400) before any reading.
    fhirDateRange(dates);
    const params = {
      patient: idOf(query.patient),
      agent: idOf(query.agent),
      entity: idOf(query.entity),
      dates,
      count: query._count ?? DEFAULT_FHIR_PAGE,
      offset: query._offset ?? 0,
    };
    return this.queries.execute<SearchFhirAuditEventsQuery, FhirBundle>(new SearchFhirAuditEventsQuery(officer, params, SEARCH_PATH));
  }
}

/** `Patient/abc` and `abc` name the same id. */
const idOf = (reference: string | undefined): string | undefined =>
  reference === undefined ? undefined : reference.slice(reference.indexOf('/') + 1);
