// A TypeScript preload, as benchmarks and profilers add with --import: scan worker threads must start without it.
export {};
