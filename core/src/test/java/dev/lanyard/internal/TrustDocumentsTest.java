package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The answers of a bundle endpoint, without a server: routing, methods, caching headers, conditional requests, the
 * refusal to serve private key material, an unavailable bundle and a hostile {@code Host}.
 */
class TrustDocumentsTest {
  static final String BUNDLE = "{\"keys\":[{\"kty\":\"EC\",\"use\":\"jwt-svid\",\"kid\":\"k1\",\"crv\":\"P-256\","
      + "\"x\":\"x\",\"y\":\"y\"}],\"spiffe_sequence\":1,\"spiffe_refresh_hint\":60}";
  static final String JWKS = "{\"keys\":[{\"kty\":\"EC\",\"use\":\"sig\",\"kid\":\"k1\",\"alg\":\"ES256\","
      + "\"crv\":\"P-256\",\"x\":\"x\",\"y\":\"y\"}]}";
  static final String BASE = "https://bundles.example.org";

  final AtomicInteger renders = new AtomicInteger();

  TrustDocuments<String> documents(Supplier<String> current) {
    return new TrustDocuments<>(current, bundle -> {
      renders.incrementAndGet();
      return new TrustDocuments.Documents(bundle, JWKS, Duration.ofSeconds(60));
    }, List.of(TrustDocuments.DEFAULT_BUNDLE_PATH), TrustDocuments.DEFAULT_JWKS_PATH, null);
  }

  static String body(TrustDocuments.Response response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  @Test
  void answerWhenGetThenDocumentWithCacheHeadersRenderedOncePerVersion() {
    TrustDocuments<String> docs = documents(() -> BUNDLE);
    TrustDocuments.Response first = docs.answer("GET", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE, null);
    docs.answer("GET", TrustDocuments.DEFAULT_JWKS_PATH, BASE, null);
    assertThat(first.status()).isEqualTo(200);
    assertThat(body(first)).isEqualTo(BUNDLE);
    assertThat(first.headers()).containsEntry("Cache-Control", "public, max-age=60")
        .containsEntry("Content-Type", "application/json").containsKey("ETag");
    assertThat(first.contentLength()).isEqualTo(BUNDLE.length());
    assertThat(renders).hasValue(1);
  }

  @Test
  void answerWhenIfNoneMatchNamesTheTagThen304WithoutBody() {
    TrustDocuments<String> docs = documents(() -> BUNDLE);
    String tag = docs.answer("GET", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE, null).headers().get("ETag");
    TrustDocuments.Response again = docs.answer("GET", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE,
        "\"other\", W/" + tag);
    assertThat(again.status()).isEqualTo(304);
    assertThat(again.body()).isEmpty();
    assertThat(again.contentLength()).isEqualTo(-1);
    assertThat(docs.answer("GET", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE, "\"other\"").status()).isEqualTo(200);
  }

  @Test
  void answerWhenHeadThenNoBodyButGetLength() {
    TrustDocuments.Response head = documents(() -> BUNDLE).answer("HEAD", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE,
        null);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.contentLength()).isEqualTo(BUNDLE.length());
  }

  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "TRACE", "get"})
  void answerWhenOtherMethodThen405WithAllow(String method) {
    TrustDocuments.Response answer = documents(() -> BUNDLE).answer(method, TrustDocuments.DISCOVERY_PATH, BASE, null);
    assertThat(answer.status()).isEqualTo(405);
    assertThat(answer.headers()).containsEntry("Allow", "GET, HEAD").containsEntry("Cache-Control", "no-store");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/.well-known/spiffe-bundle/", "/.well-known/spiffe-bundle?x", "/.WELL-KNOWN/jwks.json",
      "/.well-known/../.well-known/jwks.json", ""})
  void answerWhenPathNotExactlyServedThen404(String path) {
    assertThat(documents(() -> BUNDLE).answer("GET", path, BASE, null).status()).isEqualTo(404);
  }

  @Test
  void answerWhenDocumentHoldsPrivateMaterialThen500AndNotServed() {
    String leaky = BUNDLE.replace("\"y\":\"y\"", "\"y\":\"y\",\"d\":\"c2VjcmV0\"");
    TrustDocuments.Response answer = documents(() -> leaky).answer("GET", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE,
        null);
    assertThat(answer.status()).isEqualTo(500);
    assertThat(body(answer)).doesNotContain("c2VjcmV0");
    TrustDocuments.Response pem = documents(() -> "{\"keys\":[],\"x\":\"-----BEGIN PRIVATE KEY-----\"}")
        .answer("GET", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE, null);
    assertThat(pem.status()).isEqualTo(500);
  }

  @Test
  void answerWhenBundleUnavailableThen503ThenRecovers() {
    AtomicReference<String> current = new AtomicReference<>();
    TrustDocuments<String> docs = documents(() -> {
      String bundle = current.get();
      if (bundle == null) {
        throw new IllegalStateException("bundle endpoint down");
      }
      return bundle;
    });
    assertThat(docs.answer("GET", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE, null).status()).isEqualTo(503);
    current.set(BUNDLE);
    assertThat(docs.answer("GET", TrustDocuments.DEFAULT_BUNDLE_PATH, BASE, null).status()).isEqualTo(200);
  }

  @Test
  void discoveryWhenNoIssuerThenRequestBaseAndAlgorithmsOfTheKeys() {
    String discovery = body(documents(() -> BUNDLE).answer("GET", TrustDocuments.DISCOVERY_PATH, BASE + "/app", null));
    assertThat(discovery).isEqualTo("{\"issuer\":\"https://bundles.example.org/app\",\"jwks_uri\":"
        + "\"https://bundles.example.org/app/.well-known/jwks.json\",\"authorization_endpoint\":\"\","
        + "\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],"
        + "\"id_token_signing_alg_values_supported\":[\"ES256\"]}");
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://evil\"host", "https://a b", "javascript:alert(1)", "https://h/\"},{", ""})
  void discoveryWhenBaseUrlIsNotAUrlThen400(String base) {
    assertThat(documents(() -> BUNDLE).answer("GET", TrustDocuments.DISCOVERY_PATH, base, null).status())
        .isEqualTo(400);
  }

  @Test
  void constructorWhenPathsClashOrIssuerHasQueryThenRefused() {
    assertThatThrownBy(() -> new TrustDocuments<String>(() -> BUNDLE, b -> null, List.of("/x"), "/x", null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/x");
    assertThatThrownBy(() -> new TrustDocuments<String>(() -> BUNDLE, b -> null, List.of(TrustDocuments.DISCOVERY_PATH),
        "/k", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TrustDocuments.checkIssuer("https://x.example/?a=b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TrustDocuments.checkIssuer("https://x.example/#f"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(TrustDocuments.checkIssuer("https://x.example/tenant")).isEqualTo("https://x.example/tenant");
  }
}
