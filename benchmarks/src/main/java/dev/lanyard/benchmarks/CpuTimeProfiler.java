package dev.lanyard.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Per-operation CPU time of the benchmark threads ({@code -prof dev.lanyard.benchmarks.CpuTimeProfiler}), reported
 * as the secondary metric {@code cpu} in the benchmark's time unit.
 *
 * <p>On a shared machine wall-clock time includes the time a thread spent descheduled while other processes ran; the
 * thread's CPU time does not (it still inflates under load, by cache and frequency effects), so ratios of CPU times
 * are the steadier cross-check. It sums {@link ThreadMXBean#getThreadCpuTime} over JMH's worker threads across the
 * iteration and divides by every operation they ran in it; JIT compiler and GC threads are not counted. The worker
 * runs the trial's {@code @Setup} inside the first iteration, so use at least one warm-up iteration.
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private long before;

  @Override
  public String getDescription() {
    return "CPU time of the JMH worker threads per operation";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    before = workerCpuNanos();
  }

  @Override
  @SuppressWarnings("rawtypes") // the JMH interface's own signature
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
      IterationParams iterationParams, IterationResult result) {
    long cpu = workerCpuNanos() - before;
    long ops = result.getMetadata().getAllOps();
    if (ops <= 0 || cpu <= 0) {
      return List.of();
    }
    TimeUnit unit = benchmarkParams.getTimeUnit();
    double perOp = (double) cpu / ops / TimeUnit.NANOSECONDS.convert(1, unit);
    return List.of(new ScalarResult("cpu", perOp, shortName(unit) + "/op", AggregationPolicy.AVG));
  }

  private long workerCpuNanos() {
    long sum = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().contains("jmh-worker")) {
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        if (cpu > 0) {
          sum += cpu;
        }
      }
    }
    return sum;
  }

  private static String shortName(TimeUnit unit) {
    switch (unit) {
      case NANOSECONDS:
        return "ns";
      case MICROSECONDS:
        return "us";
      case MILLISECONDS:
        return "ms";
      default:
        return unit.name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
