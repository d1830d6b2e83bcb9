package dev.lanyard.internal;

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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Fetching a bundle document over HTTP(S): 200 only, at most a given number of bytes, and the whole exchange
 * (connect, TLS, headers and body) within one deadline. A fetch that misses its deadline is cancelled, which closes
 * its connection, so a server that stalls cannot hold a thread or a socket. Every failure is a
 * {@link FetchException}; the {@code trust} package turns it into its own {@code BundleUnavailableException}.
 *
 * <p>Thread-safe: stateless.
 */
public final class BundleDocuments {
  private BundleDocuments() {}

  /** The document could not be fetched; the message names the endpoint and what went wrong. */
  public static final class FetchException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean timedOut;

    FetchException(String message, @Nullable Throwable cause, boolean timedOut) {
      super(message, cause);
      this.timedOut = timedOut;
    }

    /** True when the fetch did not complete within its deadline (the exchange was abandoned, its connection closed). */
    public boolean timedOut() {
      return timedOut;
    }
  }

  /**
   * A fetched document and how long its response headers say it stays fresh ({@link CacheControl#freshness}).
   *
   * @param body the response body, decoded as UTF-8
   * @param freshness {@code Cache-Control} {@code max-age} less {@code Age}; empty when the headers give none
   */
  public record Document(String body, Optional<Duration> freshness) {
    /** Checks that both are present. */
    public Document {
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(freshness, "freshness");
    }

    /** Metadata only: the body's length and the freshness. */
    @Override
    public String toString() {
      return "Document[" + body.length() + " chars, freshness=" + freshness.map(Duration::toString).orElse("none")
          + "]";
    }
  }

  /** Whether {@code uri} is cleartext {@code http}. */
  public static boolean isCleartext(URI uri) {
    return uri.getScheme() != null && "http".equals(uri.getScheme().toLowerCase(Locale.ROOT));
  }

  /**
   * Refuses a cleartext endpoint unless the builder's {@code allowInsecureHttp()} was called.
   *
   * @param what what the endpoint is, for the message ("bundle endpoint", "issuer")
   * @throws IllegalStateException when {@code uri} is cleartext {@code http} and {@code allowInsecureHttp} is false
   */
  public static void requireHttps(String what, URI uri, boolean allowInsecureHttp) {
    if (isCleartext(uri) && !allowInsecureHttp) {
      throw new IllegalStateException(what + " " + uri + " is cleartext http: use https (or, for tests only, "
          + "allowInsecureHttp())");
    }
  }

  /**
   * The client to fetch documents with: connects within {@code timeout}, never follows a redirect (which could lead
   * away from the configured endpoint, or from https to http), and uses {@code sslContext} when given (the JDK's
   * defaults otherwise).
   */
  public static HttpClient newClient(Duration timeout, @Nullable SSLContext sslContext) {
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    if (sslContext != null) {
      http.sslContext(sslContext);
    }
    return http.build();
  }

  /**
   * GETs {@code uri} with {@code client} (which should not follow redirects); the whole exchange must end within
   * {@code timeout} and the body must be at most {@code maxLength} bytes.
   *
   * @throws FetchException naming the endpoint and what went wrong ({@link FetchException#timedOut()} when the
   *     deadline passed)
   */
  public static String fetch(HttpClient client, URI uri, Duration timeout, int maxLength) {
    return fetchDocument(client, uri, timeout, maxLength).body();
  }

  /**
   * Like {@link #fetch}, and also reads how long the response says the document stays fresh.
   *
   * @throws FetchException naming the endpoint and what went wrong ({@link FetchException#timedOut()} when the
   *     deadline passed)
   */
  public static Document fetchDocument(HttpClient client, URI uri, Duration timeout, int maxLength) {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET()
        .build();
    CompletableFuture<HttpResponse<byte[]>> exchange =
        client.sendAsync(request, info -> info.statusCode() == 200 ? new LimitedBody(maxLength) : new NoBody());
    HttpResponse<byte[]> response;
    try {
      response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new FetchException("bundle endpoint " + uri + " did not send a complete response within " + timeout, null,
          true);
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new FetchException("interrupted while fetching bundle " + uri, e, false);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (causedBy(cause, TooLargeException.class)) {
        throw new FetchException("bundle endpoint " + uri + " sent more than " + maxLength + " bytes", null, false);
      }
      if (causedBy(cause, HttpTimeoutException.class)) {
        throw new FetchException("bundle endpoint " + uri + " did not answer within " + timeout, null, true);
      }
      // A refused connection's message is null: say at least what kind of failure it was.
      throw new FetchException("cannot fetch bundle " + uri + ": "
          + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()), cause, false);
    }
    if (response.statusCode() != 200) {
      throw new FetchException("bundle endpoint " + uri + " answered HTTP " + response.statusCode(), null, false);
    }
    return new Document(new String(response.body(), StandardCharsets.UTF_8), CacheControl.freshness(
        response.headers().allValues("Cache-Control"), response.headers().allValues("Age")));
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
    private final int maxLength;
    private Flow.@Nullable Subscription subscription;

    LimitedBody(int maxLength) {
      this.maxLength = maxLength;
    }

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
        if (bytes.size() + buffer.remaining() > maxLength) {
          if (subscription != null) {
            subscription.cancel();
          }
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
