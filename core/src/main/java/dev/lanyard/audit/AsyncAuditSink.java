package dev.lanyard.audit;

import dev.lanyard.internal.WarningGate;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink that hands events to another sink on its own daemon thread (see {@link AuditSink#async(AuditSink, int)}), so
 * that the thread that records never waits for it: {@link #record} and {@link #recordAuthority} put the event in a
 * bounded queue and return. When the queue is full the event is dropped and counted ({@link #dropped()}), and a WARN
 * on logger {@code dev.lanyard.audit.AsyncAuditSink} says so at most once a minute, written by the delivering thread
 * (or by {@link #close()}), never by the recording one: a stalled logging backend must not hold a request either. What the delegate throws is
 * caught and counted ({@link #failed()}), logged the same way (its type only), and delivery goes on.
 *
 * <p>Thread-safe: any number of threads may record; one thread delivers, in the order the queue received them.
 */
public final class AsyncAuditSink implements AuditSink, AutoCloseable {
  /** The largest queue capacity accepted. */
  public static final int MAX_CAPACITY = 1_000_000;
  private static final Logger LOG = LoggerFactory.getLogger(AsyncAuditSink.class);
  private static final Duration WARN_PERIOD = Duration.ofMinutes(1);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final AuditSink delegate;
  private final BlockingQueue<Object> queue;
  private final Thread worker;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final WarningGate dropWarning = WarningGate.every(WARN_PERIOD);
  private final WarningGate failureWarning = WarningGate.every(WARN_PERIOD);
  private volatile boolean closed;
  /** Drops already warned of; read and written by the delivering thread, and by close() once it has ended. */
  private long warnedDrops;

  AsyncAuditSink(AuditSink delegate, int capacity) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException("the audit queue capacity must be between 1 and " + MAX_CAPACITY + ", not "
          + capacity);
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.worker = new Thread(this::deliver, "lanyard-audit");
    worker.setDaemon(true);
    worker.start();
  }

  @Override
  public void record(AuditEvent event) {
    offer(Objects.requireNonNull(event, "event"));
  }

  @Override
  public void recordAuthority(AuthorityEvent event) {
    offer(Objects.requireNonNull(event, "event"));
  }

  private void offer(Object event) {
    if (!closed && queue.offer(event)) {
      accepted.incrementAndGet();
      return;
    }
    // Counted only: the delivering thread warns (warnOfDrops), so the recording thread never touches a logger.
    dropped.incrementAndGet();
  }

  /** Warns of drops not warned of yet, at most once a minute. Only on the delivering thread, or after it ended. */
  private void warnOfDrops() {
    long count = dropped.get();
    if (count > warnedDrops && dropWarning.open()) {
      warnedDrops = count;
      LOG.warn("audit events dropped: the queue of the asynchronous audit sink is full ({} events) or closed; "
          + "{} dropped so far", queue.remainingCapacity() + queue.size(), count);
    }
  }

  private void deliver() {
    while (!closed || !queue.isEmpty()) {
      warnOfDrops();
      Object event;
      try {
        event = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        if (!closed) {
          continue;
        }
        event = queue.poll();
        if (event == null) {
          return;
        }
      }
      if (event == null) {
        continue;
      }
      try {
        if (event instanceof AuditEvent) {
          delegate.record((AuditEvent) event);
        } else {
          delegate.recordAuthority((AuthorityEvent) event);
        }
      } catch (RuntimeException | Error e) {
        long count = failed.incrementAndGet();
        if (failureWarning.open()) {
          LOG.warn("the audit sink behind the asynchronous audit sink failed with {}; {} events lost so far",
              e.getClass().getName(), count);
        }
      } finally {
        delivered.incrementAndGet();
      }
    }
    warnOfDrops();
  }

  /** How many events were dropped because the queue was full (or the sink closed). */
  public long dropped() {
    return dropped.get();
  }

  /** How many events the delegate threw on. */
  public long failed() {
    return failed.get();
  }

  /**
   * Waits until every event recorded before this call was handed to the delegate (or it threw), at most
   * {@code timeout}.
   *
   * @return true when all were handed over in time
   */
  public boolean flush(Duration timeout) {
    long target = accepted.get();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (delivered.get() < target) {
      if (System.nanoTime() - deadline >= 0 || !worker.isAlive()) {
        return delivered.get() >= target;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return true;
  }

  /**
   * Stops accepting events (later ones are dropped and counted, and warned of by a later close), delivers those queued
   * within 5 s, and ends the thread. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    try {
      worker.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      worker.interrupt();
    } else {
      warnOfDrops(); // the worker has ended (join): drops since its last look, such as records after close
    }
  }

  /** Metadata only: queue size and counts. */
  @Override
  public String toString() {
    return "AsyncAuditSink[queued=" + queue.size() + ", dropped=" + dropped() + ", failed=" + failed() + "]";
  }
}
