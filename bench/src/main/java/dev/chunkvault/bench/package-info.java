/** Benchmarks: JMH micro-benchmarks (run with {@code java -jar bench/target/benchmarks.jar}). */
package dev.chunkvault.bench;
