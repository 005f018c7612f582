import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readWhole } from '@/lib/sources/byteReader';
import { startHubServer, type HubServer } from '@/testing/hubServer';
import { sourceFailure } from '@/testing/sourceFailure';
import { HubClient } from './hubClient';

const TOKEN = 'hf_do_not_leak_0123';
let dir: string;
let dir2: string;
let hub: HubServer;


beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hub-client-'));
  dir2 = await mkdtemp(path.join(os.tmpdir(), 'hub-client-'));
  await writeFile(path.join(dir, 'config.json'), '{"v": 1}');
  await writeFile(path.join(dir, 'model.safetensors'), new Uint8Array(100));
  await writeFile(path.join(dir2, 'config.json'), '{"v": 2}');
  hub = await startHubServer({
    token: TOKEN,
    repos: [
      { id: 'org/model', dir },
      { id: 'org/private', dir, gated: true },
    ],
  });
});

afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
  await rm(dir2, { recursive: true, force: true });
});

beforeEach(() => hub.reset());

describe('HubClient', () => {
  it('resolves a revision to its commit sha and file list, with sizes and hashes', async () => {
    const client = new HubClient({ endpoint: `${hub.endpoint}/`, retryDelayMs: 0 });
    const snapshot = await client.snapshot({ repo: 'org/model', revision: null });
    expect(snapshot).toMatchObject({ repo: 'org/model', revision: 'main', sha: hub.shaOf('org/model'), gated: false });
    expect(snapshot.files.map((f) => [f.name, f.size])).toEqual([['config.json', 8], ['model.safetensors', 100]]);
    // git's blob hash of '{"v": 1}' and the sha256 of 100 zero bytes, as the hub lists them.
    expect(snapshot.files[0]!.gitSha1).toBe(createHash('sha1').update('blob 8\0{"v": 1}').digest('hex'));
    expect(snapshot.files[1]!.sha256).toBe(createHash('sha256').update(new Uint8Array(100)).digest('hex'));
    expect(hub.requests[0]!.url).toBe('/api/models/org/model/revision/main?blobs=true');
    expect(client.fileUrl(snapshot, 'sub dir/a.json')).toBe(`${hub.endpoint}/org/model/resolve/${snapshot.sha}/sub%20dir/a.json`);
    const files = client.modelFiles(snapshot);
    expect(new TextDecoder().decode(await readWhole(await files.open('config.json')))).toBe('{"v": 1}');
  });

  it('keeps reading the pinned commit after the branch moves', async () => {
    const client = new HubClient({ endpoint: hub.endpoint, retryDelayMs: 0 });
    const pinned = await client.snapshot({ repo: 'org/model', revision: null });
    await hub.addRepo({ id: 'org/model', dir: dir2 });
    const moved = await client.snapshot({ repo: 'org/model', revision: 'main' });
    expect(moved.sha).not.toBe(pinned.sha);
    expect(moved.files.map((f) => f.name)).toEqual(['config.json']);
    const again = await client.snapshot({ repo: 'org/model', revision: pinned.sha });
    expect(again.files).toEqual(pinned.files);
    const read = async (s: typeof pinned) => new TextDecoder().decode(await readWhole(await client.modelFiles(s).open('config.json')));
    expect(await read(pinned)).toBe('{"v": 1}');
    expect(await read(moved)).toBe('{"v": 2}');
  });

  it('reports unknown repositories and revisions as not found', async () => {
    const client = new HubClient({ endpoint: hub.endpoint, retryDelayMs: 0 });
    const missing = await sourceFailure(client.snapshot({ repo: 'org/nothing', revision: null }));
    expect(missing.kind).toBe('not-found');
    expect(missing.message).toBe('org/nothing@main: no such repository on the hub (HTTP 401); if it is private, it needs an access token');
    const revision = await sourceFailure(client.snapshot({ repo: 'org/model', revision: 'v9' }));
    expect(revision.message).toBe('org/model@v9: no such revision (HTTP 404)');
  });

  it('sends the token in a header only, and never shows it', async () => {
    const anonymous = new HubClient({ endpoint: hub.endpoint, retryDelayMs: 0 });
    const snapshot = await anonymous.snapshot({ repo: 'org/private', revision: null });
    expect(snapshot.gated).toBe(true);
    const gated = await sourceFailure(anonymous.modelFiles(snapshot).open('model.safetensors'));
    expect(gated.kind).toBe('gated');
    expect(gated.message).toMatch(/^org\/private@[0-9a-f]{7}: model\.safetensors: gated, needs a token \(HTTP 401\)/);

    const wrong = new HubClient({ endpoint: hub.endpoint, token: 'hf_wrong_one', retryDelayMs: 0 });
    const denied = await sourceFailure(wrong.modelFiles(snapshot).open('model.safetensors'));
    expect(denied.message).toContain('does not grant access (HTTP 403)');
    expect(denied.message).not.toContain('hf_wrong_one');

    const client = new HubClient({ endpoint: hub.endpoint, token: TOKEN, retryDelayMs: 0 });
    const files = client.modelFiles(snapshot);
    expect((await readWhole(await files.open('model.safetensors'))).length).toBe(100);
    expect(hub.requests.filter((r) => r.kind === 'resolve' && r.authorized).length).toBeGreaterThan(0);
    for (const value of [client, files, snapshot, hub.requests]) expect(JSON.stringify(value)).not.toContain(TOKEN);
    expect(hub.requests.every((r) => !r.url.includes(TOKEN))).toBe(true);
  });

  it('refuses an endpoint that does not speak the hub API', async () => {
    const answer = (body: string) => new HubClient({ endpoint: 'http://example.invalid', fetch: async () => new Response(body, { status: 200 }) });
    const notJson = await sourceFailure(answer('<html>').snapshot({ repo: 'org/model', revision: null }));
    expect(notJson.message).toBe("org/model@main: the hub's answer is not JSON; is http://example.invalid a Hugging Face hub?");
    const noSha = await sourceFailure(answer('{"id": "org/model"}').snapshot({ repo: 'org/model', revision: null }));
    expect(noSha.kind).toBe('protocol');
    expect(noSha.message).toContain('has no commit sha and file list');
  });
});
