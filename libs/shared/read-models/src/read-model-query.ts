import type { Condition, IndexSpec, RangeCondition, ReadModelQuery, Scalar } from './read-model-store.port.js';
import { InvalidReadModelQuery, UnindexedQuery } from './read-model-store.port.js';

export type Bounds = { gt?: string | number; gte?: string | number; lt?: string | number; lte?: string | number };

/**
 * How one query runs, the same for every adapter: the index, the equalities on its leading fields (on its
 * array field they mean "holds"), at most one range on the next field, equalities that only narrow, the
 * order (ties by id) and where the page starts.
 */
export type QueryPlan = {
  /** Null only for `find` without a filter: the whole collection. */
  index: IndexSpec | null;
  equal: { field: string; value: Scalar }[];
  range: ({ field: string; type: 'number' | 'string' } & Bounds) | null;
  residual: { field: string; value: Scalar }[];
  /** A field order returns only documents that have the field. */
  order: { field: string | null; direction: 'asc' | 'desc' };
  /** The last document of the previous page. */
  after: { value: Scalar; id: string } | null;
  limit: number | null;
};

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const MAX_LIMIT = 10_000;
const RANGE_KEYS = ['gt', 'gte', 'lt', 'lte'] as const;

/** Fields an index or a query may name: they are spelled into SQL JSON paths, so letters, digits, '_' and dots only. */
export const assertQueryField = (field: string): void => {
  if (typeof field !== 'string' || !FIELD.test(field) || field.startsWith('_')) {
    throw new InvalidReadModelQuery(
      `field ${JSON.stringify(field)}: letters, digits and '_' (dotted for nested fields), not starting with '_'`,
    );
  }
};

type Classified =
  | { kind: 'equal'; field: string; value: Scalar }
  | { kind: 'contains'; field: string; value: Scalar }
  | ({ kind: 'range'; field: string; type: 'number' | 'string' } & Bounds);

const isScalar = (value: unknown): value is Scalar =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

function classify(field: string, condition: Condition): Classified {
  assertQueryField(field);
  if (isScalar(condition)) return { kind: 'equal', field, value: condition };
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
    throw new InvalidReadModelQuery(`${field}: a scalar, { contains } or a range`);
  }
  const keys = Object.keys(condition);
  if (keys.length === 1 && keys[0] === 'contains') {
    const { contains } = condition as { contains: unknown };
    if (!isScalar(contains)) throw new InvalidReadModelQuery(`${field}: contains takes a scalar`);
    return { kind: 'contains', field, value: contains };
  }
  if (keys.length === 0 || keys.some((key) => !(RANGE_KEYS as readonly string[]).includes(key))) {
    throw new InvalidReadModelQuery(`${field}: a range takes gt, gte, lt and lte only`);
  }
  const bounds = condition as RangeCondition;
  const values = RANGE_KEYS.map((key) => bounds[key]).filter((v) => v !== undefined);
  const type = typeof values[0];
  if (
    !values.every((v) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string') ||
    values.some((v) => typeof v !== type)
  ) {
    throw new InvalidReadModelQuery(`${field}: range bounds are all numbers or all strings`);
  }
  return { kind: 'range', field, type: type as 'number' | 'string', ...bounds };
}

/** The plan for `query` on a collection with these declared indexes; throws UnindexedQuery when none serves it. */
export function planQuery(collection: string, declared: readonly IndexSpec[], query: ReadModelQuery): QueryPlan {
  const conditions = Object.entries(query.where ?? {}).map(([field, condition]) => classify(field, condition));
  const ranges = conditions.filter((c) => c.kind === 'range');
  if (ranges.length > 1) throw new InvalidReadModelQuery(`${collection}: one range per query (${ranges.map((r) => r.field).join(', ')})`);
  const range = ranges[0] ?? null;
  if (query.sort) assertQueryField(query.sort.field);
  const direction = query.sort?.direction ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw new InvalidReadModelQuery(`sort direction ${JSON.stringify(direction)}`);
  const limit = query.limit ?? null;
  if (limit !== null && (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)) {
    throw new InvalidReadModelQuery(`limit ${limit}: an integer from 1 to ${MAX_LIMIT}`);
  }

  const candidates = query.index === undefined ? declared : declared.filter((index) => index.name === query.index);
  if (query.index !== undefined && candidates.length === 0) throw new UnindexedQuery(collection, `no index named ${query.index}`);
  let best: { plan: Omit<QueryPlan, 'after' | 'limit'>; score: number } | null = null;
  for (const index of candidates) {
    const plan = fit(index, conditions, range, query.sort?.field ?? null, direction);
    if (!plan) continue;
    const score = plan.equal.length * 2 + (plan.range ? 1 : 0) - plan.residual.length;
    if (!best || score > best.score) best = { plan, score };
  }
  if (!best) {
    const shape = [...conditions.map((c) => `${c.field} ${c.kind}`), ...(query.sort ? [`sort ${query.sort.field}`] : [])].join(', ');
    throw new UnindexedQuery(collection, shape || 'no condition and no sort');
  }
  const after = query.after ? decodeCursor(query.after, shapeOf(best.plan)) : null;
  return { ...best.plan, after, limit };
}

/** The plan of `find` without a filter: every live document, by id. */
export const wholeCollection = (limit: number | null): QueryPlan => ({
  index: null,
  equal: [],
  range: null,
  residual: [],
  order: { field: null, direction: 'asc' },
  after: null,
  limit,
});

function fit(
  index: IndexSpec,
  conditions: readonly Classified[],
  range: Classified | null,
  sort: string | null,
  direction: 'asc' | 'desc',
): Omit<QueryPlan, 'after' | 'limit'> | null {
  const byField = new Map(conditions.filter((c) => c.kind !== 'range').map((c) => [c.field, c]));
  const equal: QueryPlan['equal'] = [];
  let i = 0;
  for (; i < index.fields.length; i++) {
    const condition = byField.get(index.fields[i]);
    if (!condition) break;
    if (condition.kind === 'contains' && index.array !== condition.field) return null;
    equal.push({ field: condition.field, value: condition.value });
  }
  const next = index.fields[i] as string | undefined;
  if (range && range.field !== next) return null;
  if (sort !== null && sort !== next) return null;
  if (equal.length === 0 && !range && sort === null) return null;
  if (next !== undefined && next === index.array && (range || sort !== null)) return null;
  const prefix = new Set(equal.map((e) => e.field));
  const rest = conditions.filter((c): c is Exclude<Classified, { kind: 'range' }> => c.kind !== 'range' && !prefix.has(c.field));
  if (rest.some((c) => c.kind === 'contains')) return null;
  const orderField = sort ?? (range ? range.field : null);
  return {
    index,
    equal,
    range:
      range?.kind === 'range' ? { field: range.field, type: range.type, gt: range.gt, gte: range.gte, lt: range.lt, lte: range.lte } : null,
    residual: rest.map((c) => ({ field: c.field, value: c.value })),
    order: { field: orderField, direction: sort !== null ? direction : 'asc' },
  };
}

/** A cursor belongs to one index and order: passing it to another query shape is refused. */
const shapeOf = (plan: Pick<QueryPlan, 'index' | 'order'>): string =>
  `${plan.index?.name ?? ''}|${plan.order.field ?? ''}|${plan.order.direction}`;

export const encodeCursor = (plan: Pick<QueryPlan, 'index' | 'order'>, value: Scalar, id: string): string =>
  Buffer.from(JSON.stringify([shapeOf(plan), value, id])).toString('base64url');

function decodeCursor(cursor: string, shape: string): { value: Scalar; id: string } {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[2] !== 'string' || !isScalar(decoded[1])) {
    throw new InvalidReadModelQuery('the cursor is not one this store issued');
  }
  if (decoded[0] !== shape) throw new InvalidReadModelQuery('the cursor belongs to another query');
  return { value: decoded[1], id: decoded[2] };
}
