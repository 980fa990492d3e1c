import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from './auth.decorators.js';
import { DevTokenResponseDto, IssueDevTokenRequestDto } from './issue-dev-token.request.dto.js';
import { TokenIssuer } from './token-issuer.js';

/** Registered only outside production with AUTH_MODE=dev (see AuthModule.forRoot). */
@ApiTags('dev')
@Controller('v1/dev/tokens')
export class DevTokensController {
  constructor(private readonly issuer: TokenIssuer) {}

  @Public()
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Issue a test token (development only; absent in production)' })
  @ApiCreatedResponse({ type: DevTokenResponseDto })
  issue(@Body() body: IssueDevTokenRequestDto): Promise<DevTokenResponseDto> {
    return this.issuer.issueWithExpiry({ sub: body.sub, roles: body.roles, clinicId: body.clinicId }, body.ttlSeconds ?? 3600);
  }
}
