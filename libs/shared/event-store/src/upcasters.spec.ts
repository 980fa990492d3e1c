import { type StoredEvent } from './event-store.port.js';
import { UpcasterRegistry } from './upcasters.js';

const storedNoteV1 = (data: unknown): StoredEvent => ({
  id: '00000000-0000-4000-8000-000000000001',
  type: 'NoteTaken',
  schemaVersion: 1,
  streamId: 'note-1',
  revision: 0,
  position: 1,
  occurredAt: '2026-01-01T09:00:00.000Z',
  correlationId: 'c',
  causationId: null,
  actor: { id: 'dr-1', role: 'clinician' },
  softwareVersion: '1.0.0',
  featureFlags: [],
  data,
});

describe('upcasters', () => {
  // v1 had one `text` id; v2 split it into `noteId`; v3 added `visibility`, defaulting to private.
  const registry = new UpcasterRegistry()
    .register('NoteTaken', 1, (data) => ({ noteId: (data as { text: string }).text }))
    .register('NoteTaken', 2, (data) => ({ ...(data as object), visibility: 'private' }));

  it('reads an event written by an old release as the current version', () => {
    const event = registry.upcast(storedNoteV1({ text: 'n-1' }));
    expect(event.schemaVersion).toBe(3);
    expect(event.data).toEqual({ noteId: 'n-1', visibility: 'private' });
  });

  it('keeps everything but the version and the data as it was recorded', () => {
    const original = storedNoteV1({ text: 'n-1' });
    const { data: _data, schemaVersion: _version, ...rest } = registry.upcast(original);
    const { data: _d, schemaVersion: _v, ...originalRest } = original;
    expect(rest).toEqual(originalRest);
  });

  it('leaves current versions and unknown types untouched', () => {
    const current = { ...storedNoteV1({ noteId: 'n-1', visibility: 'shared' }), schemaVersion: 3 };
    expect(registry.upcast(current)).toBe(current);
    const other = { ...storedNoteV1({}), type: 'SomethingElse' };
    expect(registry.upcast(other)).toBe(other);
  });

  it('refuses two steps for the same version, so a release cannot silently replace one', () => {
    expect(() => registry.register('NoteTaken', 1, (d) => d)).toThrow(/already registered/);
  });
});
