/**
 * JMH benchmarks of {@code dev.chunkvault.core.chunking} and of SHA-256. Run all core benchmarks with
 * {@code bench/run-core-bench.sh} (see bench/README.md), or after {@code mvn -pl bench -am package}:
 * <pre>
 *   java -jar bench/target/benchmarks.jar 'dev.chunkvault.bench.chunking.*'
 * </pre>
 * Scores are in ops/s where one operation is one MiB of input, i.e. MiB/s (see
 * {@link dev.chunkvault.bench.chunking.ChunkingBenchmark}).
 */
package dev.chunkvault.bench.chunking;
