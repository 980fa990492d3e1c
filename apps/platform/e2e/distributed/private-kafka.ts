import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the suite drives the dev tool itself
import { freePort, ROOT } from '../../../../tools/distributed/platform.js';

const LIBS = join(ROOT, '.cache', 'services', 'kafka', 'libs');

export type PrivateKafka = {
  brokers: string;
  /** Stops the broker (SIGTERM: a controlled shutdown, as `tools/services/down kafka` does) and waits for it. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and log directory, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it for good and ends its log. */
  close(): Promise<void>;
};

/**
 * A single-node KRaft broker of this test's own, from the jars `tools/services/up kafka` fetched. A test that
 * stops the broker under traffic stops only this one, never the Kafka every other test on the machine uses.
 */
export async function startPrivateKafka(dir: string): Promise<PrivateKafka> {
  if (!existsSync(LIBS)) throw new Error(`No Kafka jars in ${LIBS}: run \`tools/services/up kafka\` once.`);
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const [port, controllerPort] = [await freePort(), await freePort()];
  const brokers = `127.0.0.1:${port}`;
  mkdirSync(join(dir, 'data'), { recursive: true });
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://${brokers}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'log4j.properties'),
    'log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n',
  );
  const jvm = [
    '-Xms128m',
    '-Xmx384m',
    '-XX:+UseG1GC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
    `-Dkafka.logs.dir=${dir}`,
  ];
  const classpath = `${LIBS}/*`;
  execFileSync(
    java,
    [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', randomBytes(16).toString('base64url'), '-c', properties],
    { stdio: 'ignore' },
  );

  const log = createWriteStream(join(dir, 'kafka.log'), { flags: 'a' });
  let child: ChildProcess | null = null;
  let exited = Promise.resolve();
  const onExit = () => child?.kill('SIGKILL');
  process.once('exit', onExit);

  const start = async () => {
    const started = spawn(java, [...jvm, '-cp', classpath, 'kafka.Kafka', properties], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout.pipe(log, { end: false });
    started.stderr.pipe(log, { end: false });
    exited = new Promise((done) => started.once('exit', () => done()));
    const admin = new Kafka({
      clientId: 'private-kafka-probe',
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 1_000,
    }).admin();
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`the private Kafka exited (${started.exitCode}); see ${join(dir, 'kafka.log')}`);
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.controller !== null) break;
      } catch {
        // not up yet
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      if (Date.now() > deadline) throw new Error(`the private Kafka did not answer within 60 s; see ${join(dir, 'kafka.log')}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    running.kill(signal);
    const forced = setTimeout(() => running.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(forced);
    child = null;
  };

  await start();
  return {
    brokers,
    start,
    stop,
    close: async () => {
      await stop('SIGTERM');
      process.removeListener('exit', onExit);
      await new Promise<void>((done) => log.end(() => done()));
    },
  };
}
