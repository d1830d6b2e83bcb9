package dev.lanyard.spring;

import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.x509.X509Svid;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * Keeps outbound mutual-TLS connections from outliving the X.509-SVID they were opened with. HTTP clients pool
 * connections (and the TLS sessions they could resume), and a pooled connection keeps the client certificate of its
 * handshake: after a rotation it would still present the old SVID, up to its expiry and past a revocation.
 *
 * <p>This wraps Spring Boot's {@code ClientHttpRequestFactoryBuilder} (whichever HTTP client it builds: JDK, Apache
 * HttpClient 5, Jetty, Reactor). For settings whose SSL bundle is {@value LanyardSslBundle#NAME}, the factory it
 * builds creates the real client lazily and builds a new one, with a new connection pool and a new TLS context (so no
 * session of the old SVID is resumed), at the first request after the SVID rotated. The client before the previous
 * one is closed at that point when it can be (Apache, Jetty and Reactor factories are {@link DisposableBean}s; the
 * JDK's client closes its idle connections once unreachable), so requests still in flight on the previous client
 * finish. Other settings are passed through unchanged.
 *
 * <p>Thread-safe: the builder is immutable; the factory swaps its client under a lock, read without one.
 */
final class SvidBoundConnections
    implements ClientHttpRequestFactoryBuilderCustomizer<ClientHttpRequestFactoryBuilder<?>> {
  private static final Logger LOG = LoggerFactory.getLogger(SvidBoundConnections.class);

  @Override
  public ClientHttpRequestFactoryBuilder<?> customize(ClientHttpRequestFactoryBuilder<?> builder) {
    return builder instanceof Builder ? builder : new Builder(builder);
  }

  /** Builds SVID-bound factories for settings with a Lanyard SSL bundle, and plain ones otherwise. */
  private static final class Builder implements ClientHttpRequestFactoryBuilder<ClientHttpRequestFactory> {
    private final ClientHttpRequestFactoryBuilder<?> delegate;

    Builder(ClientHttpRequestFactoryBuilder<?> delegate) {
      this.delegate = delegate;
    }

    @Override
    public ClientHttpRequestFactory build(@Nullable HttpClientSettings settings) {
      Optional<X509SvidSource> svids = LanyardSslBundle.svidSource(settings == null ? null : settings.sslBundle());
      if (svids.isEmpty()) {
        return delegate.build(settings);
      }
      return new Factory(delegate, settings, svids.get());
    }

    @Override
    public String toString() {
      return "SvidBoundConnections[" + delegate + "]";
    }
  }

  /** A request factory whose client is rebuilt when the SVID it presents rotates. */
  static final class Factory implements ClientHttpRequestFactory, DisposableBean {
    private final ClientHttpRequestFactoryBuilder<?> builder;
    private final @Nullable HttpClientSettings settings;
    private final X509SvidSource svids;
    /** The current client and the SVID current when it was built; null before the first request. */
    private volatile @Nullable Generation current;
    /** The client before the current one, closed when the next one is built; guarded by {@code this}. */
    private @Nullable Generation previous;

    Factory(ClientHttpRequestFactoryBuilder<?> builder, @Nullable HttpClientSettings settings, X509SvidSource svids) {
      this.builder = builder;
      this.settings = settings;
      this.svids = svids;
    }

    @Override
    public ClientHttpRequest createRequest(URI uri, HttpMethod method) throws IOException {
      return client().factory.createRequest(uri, method);
    }

    /** The client for the current SVID, built now when the SVID rotated since the last one was. */
    Generation client() {
      X509Svid svid = svids.current();
      Generation g = current;
      if (g != null && g.svid == svid) {
        return g;
      }
      synchronized (this) {
        g = current;
        if (g != null && g.svid == svid) {
          return g;
        }
        Generation next = new Generation(svid, builder.build(settings));
        close(previous);
        previous = g;
        current = next;
        if (g != null) {
          LOG.debug("X.509-SVID serial {} replaced {}: new HTTP client, connections of the old one are not reused",
              svid.serial(), g.svid.serial());
        }
        return next;
      }
    }

    @Override
    public synchronized void destroy() {
      close(previous);
      close(current);
      previous = null;
      current = null;
    }

    private static void close(@Nullable Generation generation) {
      if (generation == null) {
        return;
      }
      try {
        if (generation.factory instanceof DisposableBean disposable) {
          disposable.destroy();
        } else if (generation.factory instanceof AutoCloseable closeable) {
          closeable.close();
        }
      } catch (Exception e) {
        LOG.warn("cannot close the HTTP client of an X.509-SVID that was replaced: {}", e.toString());
      }
    }

    @Override
    public String toString() {
      return "SvidBoundConnections.Factory[" + builder + "]";
    }
  }

  /** A client and the SVID that was current when it was built. */
  record Generation(X509Svid svid, ClientHttpRequestFactory factory) {}
}
