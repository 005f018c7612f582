/**
 * The subset of onnx.proto the studio writes, as plain objects, and its encoder.
 *
 * Field numbers are onnx.proto's (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto);
 * each message's numbers sit next to its encoder so a reader can check them against the spec.
 */
import { ProtobufWriter } from './protobufWriter';

/** TensorProto.DataType. */
export const OnnxDataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
} as const;
export type OnnxElementType = keyof typeof OnnxDataType;

/** AttributeProto.AttributeType. */
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A dimension: a fixed size or a symbolic name (`batch`, `seq`). */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxElementType;
  /** Omitted: rank unknown. */
  shape?: readonly OnnxDim[];
}

export interface OnnxTensor {
  name: string;
  elemType: OnnxElementType;
  dims: readonly number[];
  /** Little-endian element bytes (TensorProto.raw_data). */
  rawData: Uint8Array;
}

export type OnnxAttribute =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number | bigint }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'tensor'; value: OnnxTensor }
  | { name: string; type: 'floats'; value: readonly number[] }
  | { name: string; type: 'ints'; value: readonly (number | bigint)[] }
  | { name: string; type: 'strings'; value: readonly string[] };

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  /** Empty or omitted: the default ONNX domain. */
  domain?: string;
  attributes?: readonly OnnxAttribute[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  valueInfo?: readonly OnnxValueInfo[];
  docString?: string;
}

export interface OnnxOpsetImport {
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImports: readonly OnnxOpsetImport[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  graph: OnnxGraph;
  metadata?: Readonly<Record<string, string>>;
}

/** ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7,
 * opset_import 8, metadata_props 14. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtobufWriter();
  w.int(1, model.irVersion);
  if (model.producerName) w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const opset of model.opsetImports) {
    // OperatorSetIdProto: domain 1, version 2.
    w.message(8, (o) => {
      if (opset.domain) o.string(1, opset.domain);
      o.int(2, opset.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    // StringStringEntryProto: key 1, value 2.
    w.message(14, (e) => e.string(1, key).string(2, value));
  }
  return w.finish();
}

/** GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12, value_info 13. */
function writeGraph(w: ProtobufWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const t of graph.initializers) w.message(5, (m) => writeTensor(m, t));
  if (graph.docString) w.string(10, graph.docString);
  for (const v of graph.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of graph.outputs) w.message(12, (m) => writeValueInfo(m, v));
  for (const v of graph.valueInfo ?? []) w.message(13, (m) => writeValueInfo(m, v));
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7. */
function writeNode(w: ProtobufWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  if (node.name) w.string(3, node.name);
  w.string(4, node.opType);
  for (const attr of node.attributes ?? []) w.message(5, (a) => writeAttribute(a, attr));
  if (node.domain) w.string(7, node.domain);
}

/** AttributeProto: name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, strings 9, type 20. */
function writeAttribute(w: ProtobufWriter, attr: OnnxAttribute): void {
  w.string(1, attr.name);
  switch (attr.type) {
    case 'float':
      w.float(2, attr.value).int(20, AttributeType.FLOAT);
      break;
    case 'int':
      w.int(3, attr.value).int(20, AttributeType.INT);
      break;
    case 'string':
      w.string(4, attr.value).int(20, AttributeType.STRING);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, attr.value)).int(20, AttributeType.TENSOR);
      break;
    case 'floats':
      w.packedFloats(7, attr.value).int(20, AttributeType.FLOATS);
      break;
    case 'ints':
      w.packedInts(8, attr.value).int(20, AttributeType.INTS);
      break;
    case 'strings':
      for (const s of attr.value) w.string(9, s);
      w.int(20, AttributeType.STRINGS);
      break;
  }
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9. */
function writeTensor(w: ProtobufWriter, tensor: OnnxTensor): void {
  w.packedInts(1, tensor.dims);
  w.int(2, OnnxDataType[tensor.elemType]);
  w.string(8, tensor.name);
  w.bytes(9, tensor.rawData);
}

/** ValueInfoProto: name 1, type 2. TypeProto: tensor_type 1. TypeProto.Tensor: elem_type 1,
 * shape 2. TensorShapeProto: dim 1. Dimension: dim_value 1, dim_param 2. */
function writeValueInfo(w: ProtobufWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, OnnxDataType[info.elemType]);
      if (info.shape) {
        const shape = info.shape;
        tensorType.message(2, (s) => {
          for (const dim of shape) {
            s.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
          }
        });
      }
    }),
  );
}
