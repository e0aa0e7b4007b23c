/**
 * Preloaded (`--import`) into a benchmarked server child run with --expose-gc: SIGUSR2 collects garbage, so
 * the bench process can read the child's RSS without garbage in it (SIGUSR1 is Node's inspector signal).
 * Plain JavaScript: the server's worker threads inherit the flag without tsx's loader.
 */
process.on("SIGUSR2", () => {
  globalThis.gc?.();
});
