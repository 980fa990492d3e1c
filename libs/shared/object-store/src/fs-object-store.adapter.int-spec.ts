import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describeObjectStoreContract } from '@vgp/testing';
import { FsObjectStore } from './fs-object-store.adapter.js';
import { ObjectTooLarge } from './object-store.port.js';

const tempRoot = () => mkdtempSync(join(tmpdir(), 'vgp-objects-'));

describeObjectStoreContract('FsObjectStore', async () => {
  const root = tempRoot();
  return { store: new FsObjectStore({ root }), cleanup: async () => rmSync(root, { recursive: true, force: true }) };
});

describe('FsObjectStore on disk', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(() => {
    root = tempRoot();
    store = new FsObjectStore({ root });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const filesUnder = (dir: string) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));

  it('leaves no temp file behind when an object is refused as too large', async () => {
    await expect(
      store.put('r/1.webm', Readable.from([Buffer.alloc(2_048)]), { contentType: 'video/webm', maxBytes: 1_024 }),
    ).rejects.toBeInstanceOf(ObjectTooLarge);
    expect(filesUnder(root)).toEqual([]);
  });

  it('keeps only the object and its sidecar after a put', async () => {
    await store.put('r/1.webm', Readable.from([Buffer.from('abc')]), { contentType: 'video/webm' });
    expect(filesUnder(root).sort()).toEqual([join(root, 'data/r/1.webm'), join(root, 'meta/r/1.webm.json')]);
  });

  it('survives a new instance on the same folder', async () => {
    const stored = await store.put('r/1.webm', Readable.from([Buffer.from('abc')]), { contentType: 'video/webm' });
    expect(await new FsObjectStore({ root }).head('r/1.webm')).toEqual(stored);
  });
});
