package dev.lanyard.internal;

import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.TrustBundle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Fetching a bundle document over HTTP(S): 200 only, at most {@link TrustBundle#MAX_DOCUMENT_LENGTH} bytes, and the
 * whole exchange (connect, TLS, headers and body) within one deadline. A fetch that misses its deadline is cancelled,
 * which closes its connection, so a server that stalls cannot hold a thread or a socket.
 *
 * <p>Thread-safe: static functions without shared state.
 */
public final class BundleDocuments {
  private BundleDocuments() {}

  /** The fetch did not complete within its deadline (the exchange was abandoned and its connection closed). */
  public static final class TimedOutException extends BundleUnavailableException {
    private static final long serialVersionUID = 1L;

    TimedOutException(String message) {
      super(message);
    }
  }

  /** Whether {@code uri} is cleartext {@code http}. */
  public static boolean isCleartext(URI uri) {
    return uri.getScheme() != null && "http".equals(uri.getScheme().toLowerCase(Locale.ROOT));
  }

  /**
   * GETs {@code uri} with {@code client} (which should not follow redirects); the whole exchange must end within
   * {@code timeout}.
   *
   * @throws TimedOutException when it does not
   * @throws BundleUnavailableException naming the endpoint and what went wrong
   */
  public static String fetch(HttpClient client, URI uri, Duration timeout) {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET()
        .build();
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(request, info -> info.statusCode() == 200 ? new LimitedBody() : new NoBody());
    HttpResponse<byte[]> response;
    try {
      response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new TimedOutException("bundle endpoint " + uri + " did not send a complete response within " + timeout);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new BundleUnavailableException("interrupted while fetching bundle " + uri, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (causedBy(cause, TooLargeException.class)) {
        throw new BundleUnavailableException("bundle endpoint " + uri + " sent more than "
            + TrustBundle.MAX_DOCUMENT_LENGTH + " bytes");
      }
      if (causedBy(cause, HttpTimeoutException.class)) {
        throw new TimedOutException("bundle endpoint " + uri + " did not answer within " + timeout);
      }
      // A refused connection's message is null: say at least what kind of failure it was.
      throw new BundleUnavailableException("cannot fetch bundle " + uri + ": "
          + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()), cause);
    }
    if (response.statusCode() != 200) {
      throw new BundleUnavailableException("bundle endpoint " + uri + " answered HTTP " + response.statusCode());
    }
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** The body of a 200 response, refused (and the exchange cancelled) as soon as it passes the size limit. */
  private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    /** Set by {@link #onSubscribe}, which the HTTP client calls before any other method. */
    private Flow.@Nullable Subscription subscription;

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        if (bytes.size() + buffer.remaining() > TrustBundle.MAX_DOCUMENT_LENGTH) {
          Objects.requireNonNull(subscription, "onNext before onSubscribe").cancel();
          result.completeExceptionally(new TooLargeException());
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }
  }

  /** Any other status: the body is not read (the connection is closed rather than drained). */
  private static final class NoBody implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
      result.complete(new byte[0]);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
    }

    @Override
    public void onError(Throwable throwable) {
      result.complete(new byte[0]);
    }

    @Override
    public void onComplete() {
      result.complete(new byte[0]);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }
  }

  private static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException() {
      super("too large", null);
    }
  }
}
