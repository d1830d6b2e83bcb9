package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LanyardFilter} behind a real HTTPS connector of an embedded Tomcat 11 that asks for client certificates.
 *
 * <p>Set-up: the server presents an X.509-SVID of {@code spiffe://example.org/payments} issued by the same
 * {@link EmbeddedAuthority} (written to a PKCS12 keystore); the connector uses
 * {@code certificateVerification="optional"} with a PKCS12 truststore holding the authority's roots, plus, on
 * purpose, the roots of a rogue authority of the same trust domain and of another trust domain, so that their
 * certificates get past Tomcat and the filter's own verification is what rejects them. Tomcat's JSSE implementation
 * treats {@code optional_no_ca} like {@code optional} (only its OpenSSL implementation skips the CA check), hence the
 * truststore. Clients present X.509-SVIDs through {@link SpiffeTls#context} and authorize the server by SPIFFE ID.
 * The filter is configured by init-params, as in {@code web.xml}.
 */
class LanyardFilterMtlsTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final SpiffeId SERVER = SpiffeId.parse("spiffe://example.org/payments");
  static final String AUDIENCE = SERVER.toString();
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final String PASSWORD = "changeit";
  static final String POLICY = String.join("\n",
      "GET   /whoami            any",
      "GET   /orders-only       spiffe://example.org/orders",
      "POST  /payments/charge   spiffe://example.org/orders   payments:charge",
      "");

  @TempDir
  static Path dir;
  static EmbeddedAuthority authority;
  static EmbeddedAuthority rogue;
  static EmbeddedAuthority foreign;
  static TomcatServer server;
  static final List<AutoCloseable> sources = new ArrayList<>();

  @BeforeAll
  static void startServer() throws Exception {
    authority = EmbeddedAuthority.newBuilder(TD).build();
    rogue = EmbeddedAuthority.newBuilder(TD).build();
    foreign = EmbeddedAuthority.newBuilder(TrustDomain.of("other.org")).build();

    X509Svid serverSvid = authority.issueX509Svid(SERVER);
    KeyStore keystore = KeyStore.getInstance("PKCS12");
    keystore.load(null, null);
    keystore.setKeyEntry("server", serverSvid.privateKey(), PASSWORD.toCharArray(),
        serverSvid.chain().toArray(new Certificate[0]));
    Path keystoreFile = store(keystore, dir.resolve("server.p12"));

    KeyStore truststore = KeyStore.getInstance("PKCS12");
    truststore.load(null, null);
    int i = 0;
    for (EmbeddedAuthority trusted : List.of(authority, rogue, foreign)) {
      for (X509Certificate root : trusted.bundle().x509Authorities()) {
        truststore.setCertificateEntry("root-" + i++, root);
      }
    }
    Path truststoreFile = store(truststore, dir.resolve("trust.p12"));

    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), POLICY);
    server = LanyardFilterTomcatTest.webXml(dir.resolve("tomcat"), bundle.toString(), policy)
        .initParam(LanyardFilter.AUDIENCE, AUDIENCE)
        .tls(keystoreFile, truststoreFile, PASSWORD)
        .start();
    assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
  }

  @AfterAll
  static void stopServer() throws Exception {
    for (AutoCloseable source : sources) {
      source.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static Path store(KeyStore keyStore, Path file) throws Exception {
    try (OutputStream out = Files.newOutputStream(file)) {
      keyStore.store(out, PASSWORD.toCharArray());
    }
    return file;
  }

  /** The verifier clients use to authenticate the server: this authority's bundle, server's ID only. */
  static SSLContext clientContext(EmbeddedAuthority issuer, SpiffeId id) {
    RotatingX509SvidSource source = RotatingX509SvidSource.newBuilder(issuer, id).build();
    sources.add(source);
    return SpiffeTls.context(source, serverVerifier(), PeerAuthorizer.exactly(SERVER));
  }

  static X509SvidVerifier serverVerifier() {
    return X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();
  }

  /** A client that authenticates the server by SPIFFE ID but presents no certificate of its own. */
  static SSLContext noCertificateContext() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {SpiffeTls.trustManager(serverVerifier(), PeerAuthorizer.exactly(SERVER))},
        null);
    return context;
  }

  static HttpClient client(SSLContext context) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(context)
        .sslParameters(SpiffeTls.clientParameters(context)).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static HttpResponse<String> send(HttpClient client, String method, String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String token(SpiffeId subject, String... scopes) {
    return authority.mintJwtSvid(subject, AUDIENCE, scopes).token();
  }

  static void assertOutcome(HttpResponse<String> response, int status, String challenge) {
    assertThat(response.statusCode()).as("status; body %s", response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEqualTo(Optional.ofNullable(challenge));
    LanyardFilterTomcatTest.assertHygienic(response);
  }

  @Test
  void mtlsOnlyCallerAllowedThenPrincipalIsCertificateSpiffeId() throws Exception {
    HttpResponse<String> response = send(client(clientContext(authority, ORDERS)), "GET", "/whoami", null);

    assertOutcome(response, 200, null);
    assertThat(response.body()).isEqualTo(String.join("\n",
        "method=GET",
        "principal=spiffe://example.org/orders",
        "authType=CLIENT_CERT",
        "caller.id=spiffe://example.org/orders",
        "caller.scopes=",
        "caller.credentialType=X509_SVID",
        "caller.tokenId=-",
        ""));
  }

  @Test
  void mtlsOnlyCallerWhenRuleNamesAnotherIdThen403() throws Exception {
    HttpClient ledger = client(clientContext(authority, LEDGER));

    assertOutcome(send(ledger, "GET", "/orders-only", null), 403, null);
    assertThat(send(ledger, "GET", "/whoami", null).body()).contains("principal=spiffe://example.org/ledger\n");
  }

  @Test
  void mtlsOnlyCallerWhenRuleNeedsScopesThen403InsufficientScope() throws Exception {
    HttpResponse<String> response = send(client(clientContext(authority, ORDERS)), "POST", "/payments/charge", null);

    assertOutcome(response, 403, "Bearer error=\"insufficient_scope\", scope=\"payments:charge\"");
  }

  @Test
  void tokenAndCertificateOfSameIdThenAllowedWithBothCredentialTypes() throws Exception {
    var svid = authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge");

    HttpResponse<String> response = send(client(clientContext(authority, ORDERS)), "POST", "/payments/charge",
        svid.token());

    assertOutcome(response, 200, null);
    assertThat(response.body())
        .contains("principal=spiffe://example.org/orders\n")
        .contains("caller.scopes=payments:charge\n")
        .contains("caller.credentialType=JWT_SVID_AND_X509_SVID\n")
        .contains("caller.tokenId=" + svid.tokenId() + "\n");
  }

  @Test
  void tokenAndCertificateOfDifferentIdsThen401() throws Exception {
    HttpResponse<String> response = send(client(clientContext(authority, ORDERS)), "GET", "/whoami",
        token(LEDGER));

    assertOutcome(response, 401, "Bearer error=\"invalid_token\", "
        + "error_description=\"The token's subject does not match the client certificate\"");
  }

  @Test
  void certificateValidButTokenRejectedThen401ForTheToken() throws Exception {
    String wrongAudience = authority.mintJwtSvid(ORDERS, "spiffe://example.org/elsewhere").token();

    HttpResponse<String> response = send(client(clientContext(authority, ORDERS)), "GET", "/whoami",
        wrongAudience);

    assertOutcome(response, 401,
        "Bearer error=\"invalid_token\", error_description=\"The token is not meant for this audience\"");
  }

  @Test
  void certificateOfRogueAuthorityOfSameTrustDomainThen401UntrustedChain() throws Exception {
    HttpResponse<String> response = send(client(clientContext(rogue, ORDERS)), "GET", "/whoami", null);

    assertOutcome(response, 401,
        "Bearer error=\"invalid_token\", error_description=\"The certificate chain is not trusted\"");
  }

  @Test
  void certificateOfOtherTrustDomainThen401UntrustedTrustDomain() throws Exception {
    HttpResponse<String> response = send(client(clientContext(foreign, SpiffeId.parse("spiffe://other.org/orders"))),
        "GET", "/whoami", null);

    assertOutcome(response, 401,
        "Bearer error=\"invalid_token\", error_description=\"The certificate's trust domain is not trusted\"");
  }

  @Test
  void certificateOfRogueAuthorityWithValidTokenOfSameIdThen401() throws Exception {
    HttpResponse<String> response = send(client(clientContext(rogue, ORDERS)), "GET", "/whoami", token(ORDERS));

    assertOutcome(response, 401,
        "Bearer error=\"invalid_token\", error_description=\"The certificate chain is not trusted\"");
  }

  @Test
  void tokenOnlyOverTlsThenAllowedAsJwtSvid() throws Exception {
    HttpResponse<String> response = send(client(noCertificateContext()), "GET", "/whoami", token(LEDGER));

    assertOutcome(response, 200, null);
    assertThat(response.body()).contains("principal=spiffe://example.org/ledger\n")
        .contains("caller.credentialType=JWT_SVID\n").contains("authType=BEARER\n");
  }

  @Test
  void noCredentialOverTlsThen401WithRealm() throws Exception {
    assertOutcome(send(client(noCertificateContext()), "GET", "/whoami", null), 401, "Bearer realm=\"example.org\"");
  }
}
