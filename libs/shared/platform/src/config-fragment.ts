import { z } from 'zod';

/** How a variable is described in boot errors and docs. `secret` values are never echoed back. */
export type VariableSpec = { default: string; accepts: string; secret?: boolean };

/**
 * One piece of configuration: the variables a lib or context reads, their zod schema and how they are
 * described. The platform's own fragment and every context's are parsed the same way (`parseConfig`), so a
 * bad variable anywhere fails boot with the same message: its name, what was wrong, what it accepts.
 */
export type ConfigFragment<Out> = {
  name: string;
  variables: Readonly<Record<string, VariableSpec>>;
  schema: z.ZodType<Out, unknown>;
  /** Variables where an empty value is a value, not "unset" (e.g. an empty flag list). */
  emptyIsValue?: readonly string[];
};

export const configFragment = <Out>(fragment: ConfigFragment<Out>): ConfigFragment<Out> => fragment;

export class ConfigValidationError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('Invalid configuration (environment variables):\n' + problems.map((p) => `  - ${p.message}`).join('\n'));
    this.name = 'ConfigValidationError';
  }

  get variables(): string[] {
    return [...new Set(this.problems.map((p) => p.variable))];
  }
}

export type Environment = Record<string, string | undefined>;

/** Parses one fragment's variables from the environment; throws ConfigValidationError naming each bad one. */
export const parseConfig = <Out>(fragment: ConfigFragment<Out>, env: Environment = process.env): Out => {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.keys(fragment.variables)) {
    const value = env[name]?.trim();
    input[name] = value === '' && !fragment.emptyIsValue?.includes(name) ? undefined : value;
  }
  const result = fragment.schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigValidationError(
    result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? '(environment)');
      const spec = fragment.variables[variable];
      const raw = input[variable];
      const got = raw === undefined ? 'not set' : spec?.secret ? 'got a value (hidden)' : `got ${JSON.stringify(raw.slice(0, 80))}`;
      return { variable, message: `${variable}: ${issue.message} (${got})${spec ? `; accepts ${spec.accepts}` : ''}` };
    }),
  );
};

/** A whole number in [min, max], from its decimal text; the default when unset. */
export const integerVariable = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: 'must be an integer' }).int('must be an integer').min(min).max(max).default(fallback),
  );

/** `on` or `off`, case-insensitive; the default when unset. */
export const switchVariable = (fallback: 'on' | 'off') =>
  z
    .preprocess(
      (v) => (typeof v === 'string' ? v.toLowerCase() : v),
      z.enum(['on', 'off'], { error: 'must be on or off' }).default(fallback),
    )
    .transform((v) => v === 'on');
