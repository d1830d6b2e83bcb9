package dev.lanyard.internal;

import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.TrustBundle;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Fetching a bundle document over HTTP(S): 200 only, at most {@link TrustBundle#MAX_DOCUMENT_LENGTH} bytes. */
public final class BundleDocuments {
  private BundleDocuments() {}

  /**
   * GETs {@code uri} with {@code client} (which should not follow redirects).
   *
   * @throws BundleUnavailableException naming the endpoint and what went wrong
   */
  public static String fetch(HttpClient client, URI uri, Duration timeout) {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET()
        .build();
    try {
      HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        if (response.statusCode() != 200) {
          throw new BundleUnavailableException("bundle endpoint " + uri + " answered HTTP " + response.statusCode());
        }
        byte[] bytes = body.readNBytes(TrustBundle.MAX_DOCUMENT_LENGTH + 1);
        if (bytes.length > TrustBundle.MAX_DOCUMENT_LENGTH) {
          throw new BundleUnavailableException("bundle endpoint " + uri + " sent more than "
              + TrustBundle.MAX_DOCUMENT_LENGTH + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      // A refused connection's message is null: say at least what kind of failure it was.
      throw new BundleUnavailableException("cannot fetch bundle " + uri + ": "
          + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BundleUnavailableException("interrupted while fetching bundle " + uri, e);
    }
  }
}
