// V8 flags for processes that carry tunnel traffic (the drover CLI, the benchmarks): a larger
// young generation. Outgoing ssh2 packets reuse one buffer since patches/ssh2+1.17.0.patch, but
// Node still allocates a 64 KiB buffer per socket read and ssh2 one per incoming packet, so
// short-lived buffers still pass through the heap at the data rate. Re-measured with the patch
// (two sets of 5 alternating A/B pairs on a shared, noisy 2-core machine): without these flags
// the throughput ratio to OpenSSH fell from 0.82 to 0.58 in one set, and Drover's CPU per GiB
// rose from 1.95 to 2.49 s in the other.
export const TRAFFIC_V8_FLAGS = ['--max-semi-space-size=64', '--min-semi-space-size=64'];
