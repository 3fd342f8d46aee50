// V8 flags for processes that carry tunnel traffic (the drover CLI, the benchmarks): a larger
// young generation, so ssh2's per-packet buffers die young instead of forcing full GCs.
export const TRAFFIC_V8_FLAGS = ['--max-semi-space-size=64', '--min-semi-space-size=64'];
