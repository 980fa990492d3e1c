import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '@vgp/auth';
import { type HealthCheck as RegisteredCheck, HealthRegistry, type HealthStatus } from './health-registry.js';

const CHECK_TIMEOUT_MS = 3000;

type Reply = { status(code: number): unknown };

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: HealthRegistry,
  ) {}

  @Public()
  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Public()
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: every registered dependency check passes' })
  @ApiOkResponse({ description: 'ready' })
  @ApiServiceUnavailableResponse({ description: 'at least one check failed; `error` names it' })
  async ready(@Res({ passthrough: true }) reply: Reply): Promise<unknown> {
    const checks = this.registry.entries().map(([name, check]) => async () => {
      const indicator = this.indicators.check(name);
      const { up, ...details } = await runCheck(check);
      return up ? indicator.up(details) : indicator.down(details);
    });
    try {
      return await this.health.check(checks);
    } catch (error) {
      // Probes read the status; the Terminus body (which check failed) is kept as is, not as a problem.
      if (error instanceof ServiceUnavailableException) {
        reply.status(503);
        return error.getResponse();
      }
      throw error;
    }
  }
}

const runCheck = async (check: RegisteredCheck): Promise<HealthStatus> => {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<HealthStatus>((resolve) => {
      timer = setTimeout(() => resolve({ up: false, reason: 'timed out' }), CHECK_TIMEOUT_MS);
    });
    const outcome = check().then((status): HealthStatus =>
      typeof status === 'boolean' ? { up: status } : { ...status, up: status.up === true },
    );
    return await Promise.race([outcome, timeout]);
  } catch {
    return { up: false };
  } finally {
    clearTimeout(timer);
  }
};
