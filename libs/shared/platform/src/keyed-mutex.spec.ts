import { KeyedMutex } from './keyed-mutex.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('one booking at a time per clinic', () => {
  it('runs work of the same clinic one after another, in arrival order', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([mutex.run('clinic-1', job('a')), mutex.run('clinic-1', job('b')), mutex.run('clinic-1', job('c'))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
    expect(mutex.size).toBe(0);
  });

  it('lets two clinics book at the same time', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
    };
    await Promise.all([mutex.run('clinic-1', job('a')), mutex.run('clinic-2', job('b'))]);
    expect(log.slice(0, 2)).toEqual(['a:start', 'b:start']);
  });

  it('keeps serving a clinic after one of its requests failed', async () => {
    const mutex = new KeyedMutex();
    const failed = mutex.run('clinic-1', async () => {
      throw new Error('refused');
    });
    const next = mutex.run('clinic-1', async () => 'booked');
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('booked');
  });
});
