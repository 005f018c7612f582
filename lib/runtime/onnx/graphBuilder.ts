/**
 * A tiny DSL for writing ONNX graphs that read like the model they compute:
 *
 *   const g = new GraphBuilder('mlp');
 *   const x = g.input('x', 'float32', ['batch', 4]);
 *   const w = g.input('w', 'float32', [8, 4]);
 *   g.output(g.node('Gemm', [x, w], { transB: 1 }), 'float32', ['batch', 8], 'y');
 *   const bytes = g.toBytes();
 *
 * Every helper returns the name of the value it produces. Names come from a scope stack
 * (`g.scope('layers.0', () => ...)`) so the graph is readable in Netron.
 */
import {
  encodeOnnxModel,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxElementType,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnxProto';

/** Attribute values: integers → INT, integer lists → INTS, strings → STRING. Floats must be
 * spelled `{ float: x }` / `{ floats: [...] }` so `1.0` never silently becomes an INT. */
export type AttributeValue =
  | number
  | bigint
  | string
  | readonly number[]
  | { float: number }
  | { floats: readonly number[] }
  | { strings: readonly string[] };

export type Attributes = Readonly<Record<string, AttributeValue>>;

export interface GraphBuilderOptions {
  opset?: number;
  irVersion?: number;
  producerName?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

/** Opset 17 (ONNX 1.12, IR version 8): ReduceMean still takes `axes` as an attribute. */
export const DEFAULT_OPSET = 17;
export const DEFAULT_IR_VERSION = 8;

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly names = new Set<string>();
  private readonly scopes: string[] = [];
  private readonly opCounts = new Map<string, number>();

  constructor(readonly name: string) {}

  input(name: string, elemType: OnnxElementType, shape: readonly OnnxDim[]): string {
    this.claim(name);
    this.inputs.push({ name, elemType, shape: [...shape] });
    return name;
  }

  /** Declares `value` a graph output; with another `name`, an Identity (a copy at run time) gives it
   * that name, so produce big outputs under their final names (`nodeWithOutputs`) instead. */
  output(value: string, elemType: OnnxElementType, shape: readonly OnnxDim[], name = value): string {
    if (name !== value) {
      this.claim(name);
      this.nodes.push({ opType: 'Identity', inputs: [value], outputs: [name], name: `${name}/Identity` });
    }
    this.outputs.push({ name, elemType, shape: [...shape] });
    return name;
  }

  initializer(name: string, elemType: OnnxElementType, dims: readonly number[], rawData: Uint8Array): string {
    this.claim(name);
    this.initializers.push({ name, elemType, dims: [...dims], rawData });
    return name;
  }

  /** A float32 constant (initializer) under the current scope. */
  floats(hint: string, values: ArrayLike<number>, dims: readonly number[] = [values.length]): string {
    const data = Float32Array.from(values as ArrayLike<number>);
    return this.initializer(this.fresh(hint), 'float32', dims, littleEndianBytes(data));
  }

  /** An int64 constant (initializer) under the current scope: shapes, axes, slice bounds. */
  int64s(hint: string, values: readonly (number | bigint)[], dims: readonly number[] = [values.length]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.initializer(this.fresh(hint), 'int64', dims, littleEndianBytes(data));
  }

  /** A float32 scalar constant (rank 0). */
  scalar(hint: string, value: number): string {
    return this.floats(hint, [value], []);
  }

  /** Adds a node with one output and returns that output's name. */
  node(opType: string, inputs: readonly string[], attributes: Attributes = {}, hint?: string): string {
    return this.nodeWithOutputs(opType, inputs, 1, attributes, hint)[0]!;
  }

  /** Adds a node with `outputCount` outputs (or the given output names). Empty input names
   * ('') stand for omitted optional inputs. */
  nodeWithOutputs(
    opType: string,
    inputs: readonly string[],
    outputs: number | readonly string[],
    attributes: Attributes = {},
    hint?: string,
  ): string[] {
    const nodeName = this.fresh(hint ?? opType);
    const outputNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, (_, i) => (outputs === 1 ? `${nodeName}_output` : `${nodeName}_output_${i}`))
        : [...outputs];
    for (const o of outputNames) this.claim(o);
    for (const i of inputs) {
      if (i !== '' && !this.names.has(i)) throw new Error(`${opType} ${nodeName}: unknown input "${i}"`);
    }
    this.nodes.push({
      opType,
      inputs: [...inputs],
      outputs: outputNames,
      name: nodeName,
      attributes: Object.entries(attributes).map(([name, value]) => toAttribute(name, value)),
    });
    return outputNames;
  }

  /** Runs `build` with `name` pushed on the scope stack; node and constant names get the prefix. */
  scope<T>(name: string, build: () => T): T {
    this.scopes.push(name);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  toModel(options: GraphBuilderOptions = {}) {
    return {
      irVersion: options.irVersion ?? DEFAULT_IR_VERSION,
      opsetImports: [{ domain: '', version: options.opset ?? DEFAULT_OPSET }],
      producerName: options.producerName ?? 'merge-studio',
      docString: options.docString,
      metadata: options.metadata,
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
    };
  }

  toBytes(options: GraphBuilderOptions = {}): Uint8Array {
    for (const o of this.outputs) {
      if (!this.names.has(o.name)) throw new Error(`graph output "${o.name}" is never produced`);
    }
    return encodeOnnxModel(this.toModel(options));
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  /** A unique name `/scope/.../hint` (with a counter when the hint repeats in that scope). */
  private fresh(hint: string): string {
    const base = `/${[...this.scopes, hint].join('/')}`;
    const seen = this.opCounts.get(base) ?? 0;
    this.opCounts.set(base, seen + 1);
    let name = seen === 0 ? base : `${base}_${seen}`;
    while (this.names.has(name) || this.names.has(`${name}_output`)) name = `${name}_`;
    return name;
  }

  private claim(name: string): void {
    if (!name) throw new Error('value names must not be empty');
    if (this.names.has(name)) throw new Error(`value "${name}" is defined twice`);
    this.names.add(name);
  }
}

function toAttribute(name: string, value: AttributeValue): OnnxAttribute {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`attribute ${name}: ${value} is not an integer; write { float: ${value} }`);
    return { name, type: 'int', value };
  }
  if (typeof value === 'bigint') return { name, type: 'int', value };
  if (typeof value === 'string') return { name, type: 'string', value };
  if (Array.isArray(value)) {
    const ints = value as readonly number[];
    if (!ints.every(Number.isInteger)) throw new TypeError(`attribute ${name}: use { floats: [...] } for float lists`);
    return { name, type: 'ints', value: ints };
  }
  if ('float' in value) return { name, type: 'float', value: value.float };
  if ('floats' in value) return { name, type: 'floats', value: value.floats };
  if ('strings' in value) return { name, type: 'strings', value: value.strings };
  throw new TypeError(`attribute ${name}: unsupported value`);
}

const platformIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array, as TensorProto.raw_data stores them. */
export function littleEndianBytes(values: Float32Array | BigInt64Array | Int32Array): Uint8Array {
  if (platformIsLittleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  const size = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < values.length; i++) {
    if (values instanceof BigInt64Array) view.setBigInt64(i * size, values[i]!, true);
    else if (values instanceof Float32Array) view.setFloat32(i * size, values[i]!, true);
    else view.setInt32(i * size, values[i]!, true);
  }
  return out;
}
