// Side-effect import for jest tests using real ONNX sessions; must be the FIRST import
// (onnxruntime-common captures the typed-array constructors when it loads).
import { useHostTypedArrays } from './host-typed-arrays';

useHostTypedArrays();
