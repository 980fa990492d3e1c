import { adaptersFromEnv, ServiceConfigError } from './adapters-from-env';

describe('a distributed service’s configuration', () => {
  it('refuses to start without Kafka brokers and names the variable and what it accepts', () => {
    expect(() => adaptersFromEnv('booking', { DATA_DIR: '/tmp/x' })).toThrow(ServiceConfigError);
    expect(() => adaptersFromEnv('booking', { DATA_DIR: '/tmp/x' })).toThrow(/KAFKA_BROKERS: .*accepts a comma list of host:port/);
  });

  it('refuses a malformed broker list', () => {
    expect(() => adaptersFromEnv('booking', { KAFKA_BROKERS: 'http://kafka' })).toThrow(/KAFKA_BROKERS/);
  });
});
