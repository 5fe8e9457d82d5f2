/**
 * JMH benchmarks of {@code dev.chunkvault.core.delta}. Run, after {@code mvn -pl bench -am package}:
 * <pre>
 *   java -jar bench/target/benchmarks.jar 'dev.chunkvault.bench.delta.*' -rf json -rff delta-results.json
 * </pre>
 * Scores are in ops/s where one operation is one MiB of chunk data, i.e. MiB/s (see
 * {@link dev.chunkvault.bench.delta.DeltaBenchmark}).
 */
package dev.chunkvault.bench.delta;
