package dev.lanyard.trust;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lanyard.internal.Json;
import dev.lanyard.spiffe.TrustDomain;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes SPIFFE bundle parsing. Allowed outcomes: a bundle, or {@link BundleFormatException} (the one documented
 * refusal: the document is not a JSON JWK Set); unusable keys are skipped, never an error. A parsed bundle must also
 * write itself out ({@link TrustBundle#toJson()}, {@link TrustBundle#toJwksJson()}, {@link TrustBundle#toPem()}) and
 * read back equal, with nothing skipped. Anything else is a finding.
 */
class TrustBundleFuzzTest {
  private static final TrustDomain TRUST_DOMAIN = TrustDomain.of("example.org");

  /** The input, as UTF-8 text, is a bundle document. */
  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void parse(byte[] input) {
    String json = new String(input, StandardCharsets.UTF_8);
    TrustBundle bundle;
    try {
      bundle = TrustBundle.parse(TRUST_DOMAIN, json);
    } catch (BundleFormatException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    assertThat(bundle.trustDomain()).isEqualTo(TRUST_DOMAIN);
    List<?> entries = entries(json);
    for (SkippedKey skipped : bundle.skippedKeys()) {
      assertThat(skipped.index()).isBetween(0, entries.size() - 1);
      assertThat(skipped.reason()).isNotBlank();
      skipped.keyId().ifPresent(kid -> assertThat(kid).matches("[\\x20-\\x7e]{0,64}(\\.\\.\\.)?"));
      // A jwt-svid key that was skipped is never used: its kid names no key. (An entry skipped for having no or
      // another "use" was never a JWT key, and its kid may name a jwt-svid key of another entry.)
      if ("jwt-svid".equals(((Map<?, ?>) entries.get(skipped.index())).get("use"))) {
        assertThat(skipped.keyId().flatMap(bundle::jwtKey)).isEmpty();
      }
    }
    for (JwtKey key : bundle.jwtKeys()) {
      assertThat(key.keyId()).isNotEmpty();
      assertThat(bundle.jwtKey(key.keyId())).contains(key);
    }
    bundle.sequence().ifPresent(sequence -> assertThat(sequence).isNotNegative());
    bundle.refreshHint().ifPresent(hint -> assertThat(hint.isNegative()).isFalse());
    assertThat(bundle.toString()).isNotBlank();

    TrustBundle again = TrustBundle.parse(TRUST_DOMAIN, bundle.toJson());
    assertThat(again).isEqualTo(bundle);
    assertThat(again.skippedKeys()).isEmpty();
    // The OIDC-style JWK Set is still a JWK Set; its "use": "sig" keys are no SPIFFE bundle keys, so all are skipped.
    assertThat(TrustBundle.parse(TRUST_DOMAIN, bundle.toJwksJson()).skippedKeys()).hasSameSizeAs(bundle.jwtKeys());
    assertThat(bundle.toPem()).isNotNull();
  }

  /** The {@code keys} entries of a document that parsed as a bundle. */
  private static List<?> entries(String json) {
    try {
      return (List<?>) Json.parseObject(json.strip(), 8).get("keys");
    } catch (ParseException e) {
      throw new AssertionError("a document that parsed as a bundle is not JSON", e);
    }
  }
}
