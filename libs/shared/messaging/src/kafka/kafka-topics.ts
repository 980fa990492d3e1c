import type { Admin, ITopicConfig } from 'kafkajs';

const TOPIC_SETUP_ATTEMPTS = 15;
const RETRIABLE_TOPIC_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_CONTROLLER', 'REQUEST_TIMED_OUT']);
const isRetriable = (error: unknown): boolean => {
  const e = error as { type?: string; retriable?: boolean; name?: string };
  return e?.retriable === true || RETRIABLE_TOPIC_ERRORS.has(e?.type ?? '') || e?.name === 'KafkaJSNumberOfRetriesExceeded';
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the topics that do not exist yet and waits until every one has a leader. Several services creating the
 * same new topics at once briefly see "does not host this topic-partition" while leaders are elected: that is
 * retriable, so this retries until the metadata agrees.
 */
export async function createTopicsWithLeaders(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // createTopics is a no-op for existing topics; waitForLeaders makes the first produce/join succeed.
      await admin.createTopics({ waitForLeaders: true, topics });
      await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      return;
    } catch (error) {
      if (attempt >= TOPIC_SETUP_ATTEMPTS || !isRetriable(error)) throw error;
      await sleep(Math.min(200 * attempt, 2_000));
    }
  }
}

/**
 * A topic created a moment ago may still be electing its leader: Kafka answers such requests with retriable
 * errors (e.g. NOT_LEADER_OR_FOLLOWER), so they are asked again, for up to 30 s.
 */
export const whileLeaderMoves = async <T>(request: () => Promise<T>): Promise<T> => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await request();
    } catch (error) {
      if (!isRetriable(error) || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
};
