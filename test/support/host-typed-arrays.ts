import vm from 'node:vm';

const NAMES = [
  'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer',
] as const;

/**
 * Jest runs test files in their own VM realm, while onnxruntime-node's native
 * outputs are typed arrays of the host realm, so onnxruntime-common's
 * `instanceof Float32Array` checks fail ("A float32 tensor's data must be type
 * of function Float32Array()"). Call this at the top of any jest test that runs
 * real ONNX sessions: it makes the test realm use the host's typed arrays.
 */
export function useHostTypedArrays(): void {
  const host = vm.runInThisContext('globalThis') as Record<string, unknown>;
  const g = globalThis as Record<string, unknown>;
  for (const name of NAMES) if (g[name] !== host[name]) g[name] = host[name];
}
