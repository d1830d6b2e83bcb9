/**
 * Side-by-side performance of Lanyard against its floors and its peers: JMH benchmarks ({@link
 * dev.lanyard.benchmarks.VerifyBenchmark}, {@link dev.lanyard.benchmarks.MintBenchmark}, {@link
 * dev.lanyard.benchmarks.X509Benchmark}, {@link dev.lanyard.benchmarks.PolicyBenchmark}, {@link
 * dev.lanyard.benchmarks.ProviderBenchmark}), a loopback load test of the servlet filter ({@link
 * dev.lanyard.benchmarks.LoadTest}) and the table printer ({@link dev.lanyard.benchmarks.Report}). Run them with
 * {@code benchmarks/run.sh}; results and their reading are in {@code benchmarks/README.md}.
 *
 * <p>A floor is the least work any implementation must do for the same result, built from the same primitives Lanyard
 * uses; every figure is reported as a ratio to its floor and to Lanyard.
 */
package dev.lanyard.benchmarks;
