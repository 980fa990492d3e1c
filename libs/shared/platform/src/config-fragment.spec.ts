import { z } from 'zod';
import { configFragment, ConfigValidationError, integerVariable, parseConfig, switchVariable } from './config-fragment.js';

const fragment = configFragment({
  name: 'example',
  variables: {
    EXAMPLE_LIMIT: { default: '20', accepts: 'an integer from 1 to 100' },
    EXAMPLE_SWITCH: { default: 'off', accepts: 'on | off' },
    EXAMPLE_TOKEN: { default: '(none)', accepts: 'a token', secret: true },
  },
  schema: z.object({
    EXAMPLE_LIMIT: integerVariable(1, 100, 20),
    EXAMPLE_SWITCH: switchVariable('off'),
    EXAMPLE_TOKEN: z.string().min(8).optional(),
  }),
});

describe('a context’s configuration fragment', () => {
  it('applies defaults and parses values', () => {
    expect(parseConfig(fragment, {})).toEqual({ EXAMPLE_LIMIT: 20, EXAMPLE_SWITCH: false });
    expect(parseConfig(fragment, { EXAMPLE_LIMIT: ' 7 ', EXAMPLE_SWITCH: 'ON' })).toMatchObject({ EXAMPLE_LIMIT: 7, EXAMPLE_SWITCH: true });
  });

  it('refuses bad values naming each variable and what it accepts, never echoing a secret', () => {
    let error: unknown;
    try {
      parseConfig(fragment, { EXAMPLE_LIMIT: '500', EXAMPLE_SWITCH: 'maybe', EXAMPLE_TOKEN: 'short' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const refused = error as ConfigValidationError;
    expect(refused.variables.sort()).toEqual(['EXAMPLE_LIMIT', 'EXAMPLE_SWITCH', 'EXAMPLE_TOKEN']);
    expect(refused.message).toMatch(/EXAMPLE_SWITCH: must be on or off \(got "maybe"\); accepts on \| off/);
    expect(refused.message).toMatch(/EXAMPLE_LIMIT: .*accepts an integer from 1 to 100/);
    expect(refused.message).not.toContain('short');
  });
});
