import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { zipFolder } from './zipFolder';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('zipFolder', () => {
  it('puts each file, written in chunks, under the folder', async () => {
    const zip = zipFolder('model');
    const weights = await zip.sink.open('model.safetensors', 'weights');
    await weights.write(Uint8Array.of(1, 2, 3));
    await weights.write(Uint8Array.of(4));
    await weights.close();
    const card = await zip.sink.open('README.md', 'text');
    await card.write(bytes('# merged\n'.repeat(50)));
    await card.close();
    const chunks = await zip.finish();
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((offset, c) => (all.set(c, offset), offset + c.length), 0);
    const entries = unzipSync(all);
    expect(Object.keys(entries)).toEqual(['model/model.safetensors', 'model/README.md']);
    expect(entries['model/model.safetensors']).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(new TextDecoder().decode(entries['model/README.md'])).toBe('# merged\n'.repeat(50));
    // Text is deflated: 450 bytes of repeated lines take far fewer.
    expect(all.length).toBeLessThan(450);
  });

  it('refuses to end while a file is still open', async () => {
    const zip = zipFolder('model');
    const file = await zip.sink.open('config.json', 'text');
    await file.write(bytes('{}'));
    await expect(zip.finish()).rejects.toThrow(/never closed/);
  });
});
