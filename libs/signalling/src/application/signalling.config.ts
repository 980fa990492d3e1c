import { configFragment, integerVariable } from '@vgp/platform';
import { z } from 'zod';

export type KeepAliveSettings = {
  /** The server pings every socket this often; browsers answer with a pong on their own. */
  pingIntervalSeconds: number;
  /** A socket the server has heard nothing from (no frame, no pong) for this long is closed and its participant leaves. */
  idleTimeoutSeconds: number;
};

/** Signalling's own variables, read with `AppConfig.of(SIGNALLING_CONFIG)`; a bad value fails boot naming it. */
export const SIGNALLING_CONFIG = configFragment<KeepAliveSettings>({
  name: 'signalling',
  variables: {
    // Proxies and load balancers commonly cut a socket idle for 60 s: a ping every 20 s keeps it well inside.
    SIGNALLING_PING_INTERVAL_SECONDS: { default: '20', accepts: 'an integer from 1 to 300, default 20' },
    SIGNALLING_IDLE_TIMEOUT_SECONDS: {
      default: '45',
      accepts: 'an integer from 2 to 900, default 45, greater than SIGNALLING_PING_INTERVAL_SECONDS',
    },
  },
  schema: z
    .object({
      SIGNALLING_PING_INTERVAL_SECONDS: integerVariable(1, 300, 20),
      SIGNALLING_IDLE_TIMEOUT_SECONDS: integerVariable(2, 900, 45),
    })
    .refine((env) => env.SIGNALLING_IDLE_TIMEOUT_SECONDS > env.SIGNALLING_PING_INTERVAL_SECONDS, {
      path: ['SIGNALLING_IDLE_TIMEOUT_SECONDS'],
      message: 'must be greater than SIGNALLING_PING_INTERVAL_SECONDS (a pong needs a ping to answer)',
    })
    .transform((env) => ({
      pingIntervalSeconds: env.SIGNALLING_PING_INTERVAL_SECONDS,
      idleTimeoutSeconds: env.SIGNALLING_IDLE_TIMEOUT_SECONDS,
    })),
});
