package dev.lanyard.workloadapi;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch stream of the Workload API ({@code FetchX509SVID} or {@code FetchJWTBundles}), kept open: every message
 * goes to the handler; when the stream fails or ends (the agent went away, refused, restarted) it is opened again
 * after an exponential backoff (from {@code initialBackoff}, doubling up to {@code maxBackoff}, back to the start after
 * a message). An outage is logged once at WARN when the first stream of an identity fails and at INFO when the last
 * one receives again ({@link AgentOutage}); what the handlers had is kept meanwhile. A message the handler refuses (it
 * throws) is logged and changes nothing.
 *
 * <p>Thread-safe: the state is guarded by this object's lock; messages arrive on gRPC's threads one at a time.
 */
final class AgentStream<T> {
  private static final Logger LOG = LoggerFactory.getLogger(AgentStream.class);

  /** Starts the call with an observer. */
  interface Opener<T> {
    void open(StreamObserver<T> observer);
  }

  private final String name;
  private final AgentChannel channel;
  private final Opener<T> opener;
  private final Consumer<T> handler;
  private final ScheduledExecutorService scheduler;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final AgentOutage outage;
  private Duration backoff;
  private boolean closed;
  private boolean received;
  private @Nullable String lastProblem;
  private @Nullable ClientCallStreamObserver<?> call;
  private @Nullable ScheduledFuture<?> retry;

  AgentStream(String name, AgentChannel channel, Opener<T> opener, Consumer<T> handler,
      ScheduledExecutorService scheduler, Duration initialBackoff, Duration maxBackoff, AgentOutage outage) {
    this.name = name;
    this.channel = channel;
    this.opener = opener;
    this.handler = handler;
    this.scheduler = scheduler;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.backoff = initialBackoff;
    this.outage = outage;
  }

  /** Opens the stream. */
  void start() {
    open();
  }

  /** Whether any message came on the stream, usable or not. */
  synchronized boolean hasReceived() {
    return received;
  }

  /** Why the stream last failed or a message was refused, if it did. */
  synchronized @Nullable String lastProblem() {
    return lastProblem;
  }

  private void open() {
    synchronized (this) {
      if (closed) {
        return;
      }
      retry = null;
    }
    channel.resetConnectBackoff();
    try {
      opener.open(new Observer());
    } catch (RuntimeException e) {
      failed("could not be opened: " + e);
    }
  }

  private final class Observer implements ClientResponseObserver<Object, T> {
    @Override
    public void beforeStart(ClientCallStreamObserver<Object> requestStream) {
      synchronized (AgentStream.this) {
        call = requestStream;
      }
    }

    @Override
    public void onNext(T message) {
      synchronized (AgentStream.this) {
        received = true;
      }
      try {
        handler.accept(message);
      } catch (RuntimeException e) {
        synchronized (AgentStream.this) {
          lastProblem = String.valueOf(e.getMessage());
        }
        LOG.warn("the Workload API at {} sent an update on its {} that is refused, keeping what we have: {}",
            channel.address(), name, e.getMessage());
        return;
      }
      synchronized (AgentStream.this) {
        lastProblem = null;
        backoff = initialBackoff;
      }
      if (outage.recover(name)) {
        LOG.info("the Workload API at {} answers again: its watch streams receive updates", channel.address());
      }
    }

    @Override
    public void onError(Throwable t) {
      Status status = Status.fromThrowable(t);
      failed(status.getCode() + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"));
    }

    @Override
    public void onCompleted() {
      failed("the agent ended the stream");
    }
  }

  private void failed(String problem) {
    boolean first;
    Duration delay;
    synchronized (this) {
      if (closed) {
        return;
      }
      call = null;
      lastProblem = problem;
      first = outage.fail(name);
      delay = backoff;
      Duration doubled = backoff.multipliedBy(2);
      backoff = doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
      retry = scheduler.schedule(this::open, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
    if (first) {
      LOG.warn("the Workload API at {} failed ({}: {}); keeping the current credentials and bundles, reconnecting "
          + "with backoff from {} up to {}", channel.address(), name, problem, delay, maxBackoff);
    } else {
      LOG.debug("the {} of the Workload API at {} failed again: {}; next try in {}", name, channel.address(),
          problem, delay);
    }
  }

  /** Cancels the stream and stops reconnecting. */
  void close() {
    ClientCallStreamObserver<?> current;
    synchronized (this) {
      closed = true;
      current = call;
      call = null;
      if (retry != null) {
        retry.cancel(false);
      }
    }
    if (current != null) {
      current.cancel("closed", null);
    }
  }
}
