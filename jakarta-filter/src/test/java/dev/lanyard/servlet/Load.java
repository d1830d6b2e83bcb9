package dev.lanyard.servlet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Client threads that send requests until told to stop, for the fault and load tests: a shared monotonic sequence to
 * order requests against events (a request that took its number after an event's number started after the event),
 * a count of completed requests to pace the events by, and bounded waits for conditions instead of sleeps.
 */
final class Load implements AutoCloseable {
  /** One worker's loop body: sends one request (numbered {@code sequence}) and checks or records its outcome. */
  @FunctionalInterface
  interface Step {
    void run(int worker, long sequence) throws Exception;
  }

  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ExecutorService pool;
  private final List<Future<?>> workers = new ArrayList<>();

  private Load(int threads) {
    this.pool = Executors.newFixedThreadPool(threads);
  }

  /** Starts {@code threads} workers, each running {@code step} until {@link #stop()} (or a step throws). */
  static Load start(int threads, Step step) {
    Load load = new Load(threads);
    for (int t = 0; t < threads; t++) {
      int worker = t;
      load.workers.add(load.pool.submit(() -> {
        while (!load.stop.get()) {
          step.run(worker, load.sequence.incrementAndGet());
          load.completed.incrementAndGet();
        }
        return null;
      }));
    }
    return load;
  }

  /** A number after every number handed out so far: take it right after an event returns. */
  long mark() {
    return sequence.incrementAndGet();
  }

  long completed() {
    return completed.get();
  }

  /** Waits until {@code more} further requests have completed, failing early when a worker failed. */
  void awaitCompleted(long more, Duration timeout) throws Exception {
    long target = completed.get() + more;
    await(() -> completed.get() >= target, timeout, "waiting for " + more + " more requests");
  }

  /** Waits (bounded) until {@code condition} holds, failing early when a worker failed. */
  void await(BooleanSupplier condition, Duration timeout, String what) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      for (Future<?> worker : workers) {
        if (worker.isDone()) {
          worker.get();
          throw new AssertionError("a worker stopped early while " + what);
        }
      }
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  /** Stops the workers and rethrows the first failure. */
  void stop() throws Exception {
    stop.set(true);
    try {
      for (Future<?> worker : workers) {
        worker.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Override
  public void close() {
    stop.set(true);
    pool.shutdownNow();
  }

  /** Waits (bounded) until {@code condition} holds, without any load running. */
  static void awaitCondition(BooleanSupplier condition, Duration timeout, String what) throws TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
