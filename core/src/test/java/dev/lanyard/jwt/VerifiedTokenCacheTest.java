package dev.lanyard.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.TrustBundle;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static JwtKey key;
  private static TrustBundle bundle;

  @BeforeAll
  static void oneKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    key = JwtKey.of("k1", generator.generateKeyPair().getPublic(), Optional.empty());
    bundle = TrustBundle.newBuilder(TrustDomain.of("example.org")).addJwtKey(key).build();
  }

  private static VerifiedTokenCache.Entry entry(Instant acceptUntil) {
    VerifiedJwtSvid token = new VerifiedJwtSvid(SpiffeId.parse("spiffe://example.org/orders"), List.of("payments"),
        Set.of(), acceptUntil, null, "k1", null, null, JwtAlgorithm.ES256);
    return new VerifiedTokenCache.Entry(token, key, bundle, 0, acceptUntil);
  }

  @Test
  void getWhenPutThenSameEntryElseNull() {
    VerifiedTokenCache cache = new VerifiedTokenCache(10);
    VerifiedTokenCache.Entry entry = entry(NOW.plusSeconds(60));

    cache.put("t1", entry, NOW.toEpochMilli());

    assertThat(cache.get("t1")).isSameAs(entry);
    assertThat(cache.get(new String("t1".toCharArray()))).isSameAs(entry);
    assertThat(cache.get("t2")).isNull();
  }

  @Test
  void putWhenManyMoreThanMaximumSizeThenNeverAboveIt() {
    VerifiedTokenCache cache = new VerifiedTokenCache(100);
    VerifiedTokenCache.Entry entry = entry(NOW.plusSeconds(60));

    for (int i = 0; i < 10_000; i++) {
      cache.put("token-" + i, entry, NOW.toEpochMilli());
      assertThat(cache.size()).isLessThanOrEqualTo(100);
    }
    assertThat(cache.get("token-9999")).isSameAs(entry);
  }

  @Test
  void putWhenOverMaximumSizeThenEntriesPastTheirEndGoFirst() {
    VerifiedTokenCache cache = new VerifiedTokenCache(8);
    for (int i = 0; i < 4; i++) {
      cache.put("ended-" + i, entry(NOW.minusSeconds(1)), NOW.toEpochMilli());
      cache.put("live-" + i, entry(NOW.plusSeconds(60)), NOW.toEpochMilli());
    }

    cache.put("new", entry(NOW.plusSeconds(60)), NOW.toEpochMilli());

    assertThat(cache.size()).isEqualTo(5);
    for (int i = 0; i < 4; i++) {
      assertThat(cache.get("ended-" + i)).isNull();
      assertThat(cache.get("live-" + i)).isNotNull();
    }
    assertThat(cache.get("new")).isNotNull();
  }

  @Test
  void removeAndReplaceWhenEntryChangedMeanwhileThenTheNewerOneStays() {
    VerifiedTokenCache cache = new VerifiedTokenCache(10);
    VerifiedTokenCache.Entry first = entry(NOW.plusSeconds(60));
    VerifiedTokenCache.Entry second = first.with(bundle, 1);
    cache.put("t", first, NOW.toEpochMilli());

    cache.replace("t", first, second);
    cache.remove("t", first);
    cache.replace("t", first, first.with(bundle, 2));

    assertThat(cache.get("t")).isSameAs(second);
    cache.remove("t", second);
    assertThat(cache.get("t")).isNull();
  }

  @Test
  void newWhenMaximumSizeNotPositiveThenIllegalArgument() {
    assertThatThrownBy(() -> new VerifiedTokenCache(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toStringWhenHoldingTokensThenSizesOnly() {
    VerifiedTokenCache cache = new VerifiedTokenCache(10);
    cache.put("secret-token-text", entry(NOW.plusSeconds(60)), NOW.toEpochMilli());

    assertThat(cache.toString()).doesNotContain("secret-token-text").contains("size=1");
  }
}
