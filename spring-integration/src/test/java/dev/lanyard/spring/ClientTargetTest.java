package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientTargetTest {
  private static final ClientTarget API = ClientTarget.of("payments", URI.create("https://Payments.Internal/api/"),
      "lanyard.client.targets.payments.url", "spiffe://example.org/payments", List.of("payments:charge"), null);
  private static final ClientTarget ROOT = ClientTarget.of("orders", URI.create("http://orders:8080"),
      "lanyard.client.targets.orders.url", "spiffe://example.org/orders", List.of(), null);

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      // hostile first: other host, scheme, port, path tricks
      "https://payments.internal.evil.com/api/charge, false",
      "https://evil.com/api/charge?x=https://payments.internal/api, false",
      "http://payments.internal/api/charge, false",
      "https://payments.internal:8443/api/charge, false",
      "https://payments.internal/apix, false",
      "https://payments.internal/api/../admin, false",
      "https://payments.internal/api/%2e%2e/admin, false",
      "https://payments.internal/api/x%2Fy, false",
      "https://payments.internal/api/./charge, false",
      "https://payments.internal/api/charge;jsessionid=x, false",
      "https://payments.internal/api/..;/admin, false",
      "https://payments.internal/api//charge, false",
      "https://payments.internal/api/%252e%252e/admin, false",
      "https://payments.internal/api/%c0%ae%c0%ae/admin, false",
      "https://payments.internal/api/charge%00, false",
      "https://payments.internal/api/x%5cy, false",
      "https://payments.internal/, false",
      "https://payments.internal, false",
      // matches
      "https://payments.internal/api, true",
      "https://PAYMENTS.internal:443/api/charge, true",
      "https://payments.internal/api/charge?amount=1, true",
      "HTTPS://payments.internal/api/v2/refunds, true",
      "https://payments.internal/api/caf%C3%A9/a%20b, true",
  })
  void matchesWhenUrlThenOnlySameOriginUnderPath(String url, boolean expected) {
    assertThat(API.matches(URI.create(url))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "http://orders:8081/x, false",
      "https://orders:8080/x, false",
      "http://orders:8080, true",
      "http://orders:8080/, true",
      "http://orders:8080/anything/at/all, true",
  })
  void matchesWhenTargetHasNoPathThenWholeOrigin(String url, boolean expected) {
    assertThat(ROOT.matches(URI.create(url))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "https://payments.internal/api/charge, general",
      "https://payments.internal/api/admin/users, admin",
      "https://payments.internal/apiadmin, none",
  })
  void interceptorWhenSeveralTargetsMatchThenMostSpecificWins(String url, String expected) {
    ClientTarget general = ClientTarget.of("general", URI.create("https://payments.internal/api"), "url", "a",
        List.of(), null);
    ClientTarget admin = ClientTarget.of("admin", URI.create("https://payments.internal/api/admin"), "url", "b",
        List.of(), null);
    LanyardClientInterceptor interceptor = new LanyardClientInterceptor(List.of(admin, general), null);
    ClientTarget chosen = interceptor.targetFor(URI.create(url));
    assertThat(chosen == null ? "none" : chosen.name()).isEqualTo(expected);
  }
}
