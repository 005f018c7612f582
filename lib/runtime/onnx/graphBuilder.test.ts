import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './graphBuilder';
import { ProtobufWriter } from './protobufWriter';

ort.env.wasm.numThreads = 1;

describe('ProtobufWriter', () => {
  it('writes varints, negative int64s, floats, strings and nested messages on the wire', () => {
    expect(Array.from(new ProtobufWriter().int(1, 150).finish())).toEqual([0x08, 0x96, 0x01]);
    expect(Array.from(new ProtobufWriter().int(2, 300n).finish())).toEqual([0x10, 0xac, 0x02]);
    // proto3: a negative int64 is its two's complement, ten bytes.
    expect(Array.from(new ProtobufWriter().int(1, -1).finish())).toEqual([0x08, ...Array(9).fill(0xff), 0x01]);
    expect(Array.from(new ProtobufWriter().float(2, 1).finish())).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect(Array.from(new ProtobufWriter().string(3, 'hi').finish())).toEqual([0x1a, 0x02, 0x68, 0x69]);
    expect(Array.from(new ProtobufWriter().message(4, (m) => m.int(1, 1)).finish())).toEqual([0x22, 0x02, 0x08, 0x01]);
    expect(Array.from(new ProtobufWriter().packedInts(1, [1, 2, 300]).finish())).toEqual([0x0a, 0x04, 0x01, 0x02, 0xac, 0x02]);
  });

  it('splices large payloads into nested messages intact', () => {
    const payload = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
    const bytes = new ProtobufWriter().message(1, (m) => m.bytes(9, payload).int(2, 7)).finish();
    // tag, length 1005 (0xed 0x07), then the inner tag 9/2, length 1000 (0xe8 0x07), payload, then field 2.
    expect(Array.from(bytes.subarray(0, 6))).toEqual([0x0a, 0xed, 0x07, 0x4a, 0xe8, 0x07]);
    expect(Array.from(bytes.subarray(6, 1006))).toEqual(Array.from(payload));
    expect(Array.from(bytes.subarray(1006))).toEqual([0x10, 0x07]);
  });
});

describe('GraphBuilder', () => {
  it('writes a model onnxruntime-web loads and runs: attributes, symbolic dims, initializers', async () => {
    const g = new GraphBuilder('check');
    const x = g.input('x', 'float32', ['batch', 3]);
    const w = g.input('w', 'float32', [2, 3]);
    const y = g.scope('block', () => {
      const projected = g.node('Gemm', [x, w], { transB: 1, alpha: { float: 2 } }); // [batch, 2]
      const leaky = g.node('LeakyRelu', [projected], { alpha: { float: 0.5 } });
      const grid = g.node('Reshape', [leaky, g.int64s('shape', [-1, 1, 2])]); // [batch, 1, 2]
      return g.node('Transpose', [grid], { perm: [0, 2, 1] }); // [batch, 2, 1]
    });
    g.output(y, 'float32', ['batch', 2, 1], 'y');
    g.output(g.node('ReduceMax', [x], { axes: [1], keepdims: 0 }), 'float32', ['batch'], 'row_max');
    const session = await ort.InferenceSession.create(g.toBytes());
    try {
      expect(session.inputNames).toEqual(['x', 'w']);
      expect(session.outputNames).toEqual(['y', 'row_max']);
      const out = await session.run({
        x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, -1, -2, -3]), [2, 3]),
        w: new ort.Tensor('float32', Float32Array.from([1, 0, 0, 0, 1, 1]), [2, 3]),
      });
      expect(out.y!.dims).toEqual([2, 2, 1]);
      // 2·[1, 5] = [2, 10]; 2·[-1, -5] = [-2, -10] → leaky [-1, -5].
      expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 10, -1, -5]);
      expect(Array.from(out.row_max!.data as Float32Array)).toEqual([3, -1]);
    } finally {
      await session.release();
    }
  });

  it('refuses fractional numbers as INT attributes, unknown inputs and names defined twice', () => {
    const g = new GraphBuilder('bad');
    const x = g.input('x', 'float32', [1]);
    expect(() => g.node('LeakyRelu', [x], { alpha: 0.5 })).toThrow(/\{ float: 0\.5 \}/);
    expect(() => g.node('Relu', ['nope'])).toThrow(/unknown input "nope"/);
    expect(() => g.input('x', 'float32', [1])).toThrow(/defined twice/);
    g.output('x', 'float32', [1], 'missing_output');
    const h = new GraphBuilder('unproduced');
    h.output('ghost', 'float32', [1]);
    expect(() => h.toBytes()).toThrow(/never produced/);
  });
});
