package dev.lanyard.examples.payments;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * Calls the ledger the plain-Java way: mutual TLS with this service's X.509-SVID (renewed before it expires, and no
 * pooled connection or resumed TLS session outlives the SVID it was made with; the server must present {@code spiffe://example.org/ledger}), plus a JWT-SVID for the ledger's audience with scope
 * {@code ledger:write}, cached and renewed at about half its life.
 *
 * <p>Thread-safe: the HTTP client, the SVID sources and the TLS context are.
 */
final class LedgerClient implements AutoCloseable {
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");

  private final URI base;
  private final RotatingX509SvidSource svid;
  private final CachingJwtSvidSource tokens;
  private final AutoCloseable renewals;
  private volatile HttpClient http;

  LedgerClient(EmbeddedAuthority authority, URI base) {
    this.base = base;
    this.svid = RotatingX509SvidSource.newBuilder(authority, PAYMENTS).build();
    this.tokens = CachingJwtSvidSource.newBuilder(authority, PAYMENTS).build();
    X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();
    this.http = client(svid, verifier);
    // The ledger knows this service by the certificate of the TLS session: a pooled connection kept busy is never idle
    // long enough for the ledger's keep-alive timeout to close it, and a TLS 1.3 session resumed from the context's
    // cache carries the certificate of its first handshake; either way an old SVID would outlive its expiry (401,
    // "The certificate has expired", seen under load in the demo). So each renewal (at about half the SVID's life)
    // starts a new client with a new TLS context: a new pool and an empty session cache, so new requests handshake
    // with the new SVID; the old client's connections finish what they carry and are closed when idle.
    this.renewals = svid.addListener(renewed -> http = client(svid, verifier));
  }

  private static HttpClient client(RotatingX509SvidSource svid, X509SvidVerifier verifier) {
    SSLContext tls = SpiffeTls.context(svid, verifier, PeerAuthorizer.exactly(LEDGER));
    return HttpClient.newBuilder().sslContext(tls).sslParameters(SpiffeTls.clientParameters(tls))
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Records a charge; the ledger's status and body. */
  HttpResponse<String> record(String amount) throws IOException, InterruptedException {
    String token = tokens.fetch(LEDGER.toString(), "ledger:write").token();
    HttpRequest request = HttpRequest.newBuilder(
            base.resolve("/entries?amount=" + URLEncoder.encode(amount, StandardCharsets.UTF_8)))
        .header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.noBody())
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    try {
      renewals.close();
    } catch (Exception e) {
      // closing anyway
    }
    svid.close();
  }
}
