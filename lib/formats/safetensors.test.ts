import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { llamaExpectedShapes } from '@/lib/arch/llama';
import { roundToStorage } from '@/lib/tensors/dtype';
import { tensor, type StorageDType, type Tensor } from '@/lib/tensors/tensor';
import { fileByteSource } from './fileByteSource';
import { parseLlamaConfig } from './hfConfig';
import {
  byteSourceFromBlob,
  byteSourceFromBytes,
  loadSafetensors,
  openSafetensors,
  parseSafetensorsHeader,
  SafetensorsWriter,
  writeSafetensors,
  type ByteSource,
  type SafetensorsItem,
} from './safetensors';
import { readZooFile, readZooJson } from '@/testing/zoo';

function seededValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 8;
  }
  return out;
}

function randomTensor(shape: number[], seed: number): Tensor {
  return tensor(shape, seededValues(shape.reduce((a, b) => a * b, 1), seed));
}

/** Odd element counts in 2-byte dtypes push the following F32 tensors off 4-byte alignment. */
function mixedItems(): SafetensorsItem[] {
  return [
    { name: 'a.f16', tensor: randomTensor([3], 1), dtype: 'F16' },
    { name: 'b.f32', tensor: randomTensor([2, 3], 2), dtype: 'F32' },
    { name: 'c.bf16', tensor: randomTensor([5], 3), dtype: 'BF16' },
    { name: 'd.f32', tensor: randomTensor([4, 1], 4), dtype: 'F32' },
    { name: 'e.empty', tensor: tensor([0, 4], new Float32Array(0)), dtype: 'F16' },
    { name: 'f.scalar', tensor: tensor([], new Float32Array([0.5])), dtype: 'F32' },
  ];
}

/** Builds a file from a raw header object and a data length, for malformed inputs. */
function rawFile(header: unknown, dataLength: number, { pad = true } = {}): Uint8Array {
  let text = JSON.stringify(header);
  if (pad) text += ' '.repeat((8 - (text.length % 8)) % 8);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

function countingSource(bytes: Uint8Array): ByteSource & { bytesRead: number } {
  const inner = byteSourceFromBytes(bytes);
  const source = {
    size: inner.size,
    bytesRead: 0,
    read(offset: number, length: number) {
      source.bytesRead += length;
      return inner.read(offset, length);
    },
  };
  return source;
}

describe('writing and reading', () => {
  it.each<StorageDType>(['F32', 'F16', 'BF16'])('round-trips %s tensors', (dtype) => {
    const original = randomTensor([7, 5], 42);
    const bytes = writeSafetensors([{ name: 'w', tensor: original, dtype }]);
    const loaded = loadSafetensors(bytes);
    const back = loaded.tensors.get('w');
    expect(back?.shape).toEqual([7, 5]);
    expect(loaded.dtypes.get('w')).toBe(dtype);
    // Equal to the stored rounding, bit for bit, and close to the original.
    expect(back?.data).toEqual(roundToStorage(original.data, dtype));
    const tolerance = { F32: 0, F16: 2 ** -11, BF16: 2 ** -8 }[dtype];
    original.data.forEach((v, i) => expect(Math.abs((back?.data[i] ?? NaN) - v)).toBeLessThanOrEqual(Math.abs(v) * tolerance));
  });

  it('round-trips a mix of dtypes at unaligned offsets, in the order written', () => {
    const items = mixedItems();
    const loaded = loadSafetensors(writeSafetensors(items));
    expect([...loaded.tensors.keys()]).toEqual(items.map((i) => i.name));
    for (const item of items) {
      const back = loaded.tensors.get(item.name);
      expect(back?.shape).toEqual(item.tensor.shape);
      expect(back?.data).toEqual(roundToStorage(item.tensor.data, item.dtype));
    }
  });

  it('reads from a buffer that starts at an odd byte offset', () => {
    const bytes = writeSafetensors(mixedItems());
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    const loaded = loadSafetensors(shifted);
    expect(loaded.tensors.get('d.f32')?.data).toEqual(mixedItems()[3]?.tensor.data);
  });

  it('does not alias the input bytes', () => {
    const bytes = writeSafetensors([{ name: 'w', tensor: tensor([2], new Float32Array([1, 2])), dtype: 'F32' }]);
    const loaded = loadSafetensors(bytes);
    loaded.tensors.get('w')?.data.fill(9);
    expect(loadSafetensors(bytes).tensors.get('w')?.data).toEqual(new Float32Array([1, 2]));
  });

  it('round-trips metadata and pads the header with spaces to a multiple of 8', () => {
    const metadata = { format: 'pt', recipe: '{"merge_method":"ties"}', 'ünïcödé': '✓' };
    const bytes = writeSafetensors([{ name: 'w', tensor: randomTensor([3], 1), dtype: 'F32' }], metadata);
    const header = parseSafetensorsHeader(bytes);
    expect(header.metadata).toEqual(metadata);
    expect(header.headerLength % 8).toBe(0);
    expect(header.dataStart).toBe(8 + header.headerLength);
    expect(header.entries).toEqual([{ name: 'w', dtype: 'F32', shape: [3], begin: header.dataStart, end: header.dataStart + 12 }]);
    const headerText = new TextDecoder().decode(bytes.subarray(8, header.dataStart));
    expect(headerText).toMatch(/^\{.*\} *$/);
    expect(loadSafetensors(writeSafetensors([])).metadata).toEqual({});
  });

  it('lists entries in file order, whatever the order of the JSON keys', () => {
    const bytes = rawFile(
      {
        second: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        __metadata__: { a: 'b' },
        first: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      },
      8,
    );
    expect(parseSafetensorsHeader(bytes).entries.map((e) => e.name)).toEqual(['first', 'second']);
  });

  it('accepts tensor names that are Object.prototype keys', () => {
    const names = ['constructor', '__proto__', 'toString'];
    const bytes = writeSafetensors(names.map((name, i) => ({ name, tensor: randomTensor([2], i), dtype: 'F32' as const })));
    expect([...loadSafetensors(bytes).tensors.keys()]).toEqual(names);
  });

  it('refuses to write inconsistent input', () => {
    const t = randomTensor([2], 1);
    expect(() => writeSafetensors([{ name: 'w', tensor: t, dtype: 'F32' }, { name: 'w', tensor: t, dtype: 'F32' }])).toThrow(/listed twice/);
    expect(() => writeSafetensors([{ name: '__metadata__', tensor: t, dtype: 'F32' }])).toThrow(/cannot be a tensor name/);
    expect(() => writeSafetensors([{ name: 'w', tensor: { shape: [3], data: new Float32Array(2) }, dtype: 'F32' }])).toThrow(/2 values for shape \[3\]/);
  });
});

describe('SafetensorsWriter', () => {
  it('produces the same bytes as writeSafetensors, header first', async () => {
    const items = mixedItems();
    const metadata = { format: 'pt' };
    const chunks: Uint8Array[] = [];
    const writer = new SafetensorsWriter(
      items.map(({ name, tensor: t, dtype }) => ({ name, shape: t.shape, dtype })),
      async (chunk) => {
        await Promise.resolve();
        chunks.push(chunk.slice());
      },
      metadata,
    );
    for (const item of items) await writer.write(item.name, item.tensor);
    await writer.finish();

    const streamed = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      streamed.set(chunk, offset);
      offset += chunk.length;
    }
    const oneShot = writeSafetensors(items, metadata);
    expect(streamed).toEqual(oneShot);
    expect(writer.byteLength).toBe(oneShot.length);
    expect(chunks.length).toBe(items.length + 1);
    expect(chunks[0]?.length).toBe(parseSafetensorsHeader(oneShot).dataStart);
  });

  it('writes a header-only file when no tensors are declared', async () => {
    const chunks: Uint8Array[] = [];
    const writer = new SafetensorsWriter([], (c) => void chunks.push(c), { a: 'b' });
    await writer.finish();
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toEqual(writeSafetensors([], { a: 'b' }));
  });

  it('enforces the declared order, shapes and completeness', async () => {
    const specs = [
      { name: 'x', shape: [2], dtype: 'F32' as const },
      { name: 'y', shape: [3], dtype: 'F16' as const },
    ];
    const sink = () => undefined;
    const outOfOrder = new SafetensorsWriter(specs, sink);
    await expect(outOfOrder.write('y', randomTensor([3], 1))).rejects.toThrow(/expected tensor "x" next, got "y"/);

    const wrongShape = new SafetensorsWriter(specs, sink);
    await expect(wrongShape.write('x', randomTensor([3], 1))).rejects.toThrow(/declared \[2\] but has shape \[3\]/);

    const incomplete = new SafetensorsWriter(specs, sink);
    await incomplete.write('x', randomTensor([2], 1));
    expect(incomplete.remaining.map((s) => s.name)).toEqual(['y']);
    await expect(incomplete.finish()).rejects.toThrow(/1 declared tensors were never written \(first: "y"\)/);

    const tooMany = new SafetensorsWriter(specs.slice(0, 1), sink);
    await tooMany.write('x', randomTensor([2], 1));
    await expect(tooMany.write('z', randomTensor([2], 1))).rejects.toThrow(/already written/);
  });
});

describe('random access', () => {
  it('reads one tensor at a time, touching only the header and that tensor', async () => {
    const items = mixedItems();
    const bytes = writeSafetensors(items, { k: 'v' });
    const source = countingSource(bytes);
    const reader = await openSafetensors(source);
    const headerBytes = source.bytesRead;
    expect(headerBytes).toBe(8 + parseSafetensorsHeader(bytes).dataStart); // the prefix, then prefix + header
    expect(reader.metadata).toEqual({ k: 'v' });
    expect(reader.entries.map((e) => e.name)).toEqual(items.map((i) => i.name));

    const d = await reader.readTensor('d.f32');
    expect(d.data).toEqual(items[3]?.tensor.data);
    expect(source.bytesRead - headerBytes).toBe(16);
    expect(reader.entry('c.bf16')?.dtype).toBe('BF16');
    await expect(reader.readTensor('nope')).rejects.toThrow(/no tensor named "nope"/);
  });

  it('reads from a Blob', async () => {
    const items = mixedItems();
    const reader = await openSafetensors(byteSourceFromBlob(new Blob([writeSafetensors(items)])));
    expect((await reader.readTensor('b.f32')).data).toEqual(items[1]?.tensor.data);
  });

  it('reads from a file on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'safetensors-'));
    try {
      const path = join(dir, 'model.safetensors');
      const items = mixedItems();
      await writeFile(path, writeSafetensors(items));
      const source = await fileByteSource(path);
      try {
        const reader = await openSafetensors(source);
        for (const item of items) {
          expect((await reader.readTensor(item.name)).data).toEqual(roundToStorage(item.tensor.data, item.dtype));
        }
        await expect(source.read(source.size - 2, 4)).rejects.toThrow(RangeError);
      } finally {
        await source.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects reads outside an in-memory source', async () => {
    const source = byteSourceFromBytes(new Uint8Array(10));
    await expect(source.read(8, 4)).rejects.toThrow(/cannot read 4 bytes at offset 8 from a source of 10 bytes/);
  });
});

describe('malformed files', () => {
  const good = () => writeSafetensors([{ name: 'w', tensor: randomTensor([4], 1), dtype: 'F32' }]);

  it('rejects a truncated file', () => {
    const bytes = good();
    expect(() => loadSafetensors(bytes.subarray(0, bytes.length - 1))).toThrow(/tensor "w" ends at byte \d+, past the end of the file.*truncated/);
    expect(() => loadSafetensors(bytes.subarray(0, 20))).toThrow(/header length \d+ runs past the end of the file/);
    expect(() => loadSafetensors(bytes.subarray(0, 5))).toThrow(/too short/);
  });

  it('rejects a header length beyond the file', () => {
    const bytes = good();
    new DataView(bytes.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => loadSafetensors(bytes)).toThrow(/header length 1099511627776 runs past the end of the file/);
  });

  it('rejects overlapping tensors', () => {
    const bytes = rawFile(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      12,
    );
    expect(() => loadSafetensors(bytes)).toThrow(/tensors "a" and "b" overlap/);
  });

  it('rejects a byte count that does not match the shape and dtype', () => {
    const bytes = rawFile({ w: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 24] } }, 24);
    expect(() => loadSafetensors(bytes)).toThrow(/tensor "w": data_offsets span 24 bytes, but F16 \[2, 3\] needs 12/);
  });

  it('names the tensor and the dtype when the dtype is not supported', () => {
    const bytes = rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, 16);
    expect(() => loadSafetensors(bytes)).toThrow(/tensor "ids" has dtype "I64", which is not supported \(supported: F32, F16, BF16\)/);
  });

  it('rejects broken JSON, shapes, offsets and metadata', () => {
    const notJson = rawFile({}, 0);
    notJson.set(new TextEncoder().encode('{"a'), 8);
    expect(() => loadSafetensors(notJson)).toThrow(/header is not valid JSON/);
    expect(() => loadSafetensors(rawFile([1, 2], 0))).toThrow(/header must be a JSON object/);
    expect(() => loadSafetensors(rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, 0))).toThrow(/tensor "w": shape must be/);
    expect(() => loadSafetensors(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4] } }, 4))).toThrow(/tensor "w": data_offsets must be/);
    expect(() => loadSafetensors(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, 8))).toThrow(/end before they begin/);
    expect(() => loadSafetensors(rawFile({ __metadata__: { n: 1 } }, 0))).toThrow(/__metadata__\["n"\] must be a string, got 1/);
    expect(() => loadSafetensors(rawFile({ w: 'x' }, 0))).toThrow(/tensor "w": entry must be an object/);
  });

  it('reads unpadded headers written by other tools', () => {
    const bytes = rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 4, { pad: false });
    expect(loadSafetensors(bytes).tensors.get('w')?.shape).toEqual([1]);
  });

  it('validates against the real file size when only a prefix is given', () => {
    const bytes = good();
    const { dataStart } = parseSafetensorsHeader(bytes);
    expect(parseSafetensorsHeader(bytes.subarray(0, dataStart), bytes.length).entries).toHaveLength(1);
    expect(() => parseSafetensorsHeader(bytes.subarray(0, dataStart))).toThrow(/truncated/);
  });
});

describe('the bundled zoo base model', () => {
  it('holds every Llama tensor the config promises, in F32', async () => {
    const config = parseLlamaConfig(await readZooJson('zoo-base', 'config.json'));
    const loaded = await readZooFile('zoo-base', 'model.safetensors', loadSafetensors);
    const expected = llamaExpectedShapes(config);
    expect(new Set(loaded.tensors.keys())).toEqual(new Set(expected.keys()));
    for (const [name, shape] of expected) {
      expect(loaded.tensors.get(name)?.shape, name).toEqual(shape);
      expect(loaded.dtypes.get(name), name).toBe('F32');
    }
    const someValue = loaded.tensors.get('model.norm.weight')?.data[0];
    expect(Number.isFinite(someValue)).toBe(true);
  });

  it('opens through the random-access path too', async () => {
    const reader = await readZooFile('zoo-base', 'model.safetensors', (bytes) => openSafetensors(byteSourceFromBytes(bytes)));
    const embed = reader.entry('model.embed_tokens.weight');
    expect(embed?.dtype).toBe('F32');
    const loaded = await reader.readTensor('model.embed_tokens.weight');
    expect(loaded.shape).toEqual(embed?.shape);
  });
});
