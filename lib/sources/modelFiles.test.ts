import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '@/testing/hubServer';
import { ReadLedger } from './byteReader';
import { openCheckpoint, type CheckpointSource } from './checkpointSource';
import { blobModelFiles, filesBelowPickedFolder, zooModelFiles } from './modelFiles';
import { folderModelFiles } from './nodeModelFiles';

const PUBLIC = path.resolve(import.meta.dirname, '..', '..', 'public');
const ZOO_BASE = path.join(PUBLIC, 'models', 'zoo-base');
let site: HubServer;

async function sameTensors(a: CheckpointSource, b: CheckpointSource): Promise<void> {
  expect(a.tensorNames()).toEqual(b.tensorNames());
  const bytes = (data: Float32Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Compared as bytes: element-wise toEqual on 0.8M floats takes seconds.
  for (const name of a.tensorNames()) expect(bytes((await a.readTensor(name)).data).equals(bytes((await b.readTensor(name)).data))).toBe(true);
}

beforeAll(async () => {
  site = await startHubServer({ staticDirs: { '/site': PUBLIC } });
});

afterAll(async () => {
  await site.close();
});

describe('model files', () => {
  it('opens a picked folder from its Blobs, reading only what is asked for', async () => {
    const names = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
    const picked = await Promise.all(
      names.map(async (name) => Object.assign(new Blob([await readFile(path.join(ZOO_BASE, name))]), { name, webkitRelativePath: `zoo-base/${name}` })),
    );
    const files = blobModelFiles('zoo-base (dropped)', filesBelowPickedFolder(picked));
    expect(files.files.map((f) => f.name)).toEqual(names);
    const ledger = new ReadLedger();
    const dropped = await openCheckpoint(files, { ledger });
    expect(ledger.bytes).toBeLessThan(20_000);
    const local = await openCheckpoint(await folderModelFiles(ZOO_BASE));
    await sameTensors(dropped, local);
    await local.close();
  });

  it('opens a zoo model as the app serves it, by Range requests', async () => {
    const served = await openCheckpoint(zooModelFiles(`${site.endpoint}/site`, 'zoo-base', { retryDelayMs: 0 }));
    expect(site.weightRequests()).toEqual([]);
    expect(site.requests.every((r) => r.kind === 'static' && r.status === 206)).toBe(true);
    const local = await openCheckpoint(await folderModelFiles(ZOO_BASE));
    await sameTensors(served, local);
    await local.close();
  });

  it('serves pages across origins: CORS headers and preflights', async () => {
    const preflight = await fetch(`${site.endpoint}/site/models/zoo-base/config.json`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Range');
    const answer = await fetch(`${site.endpoint}/site/models/zoo-base/config.json`, { headers: { Range: 'bytes=0-0' } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect(await answer.text()).toBe('{');
  });
});
