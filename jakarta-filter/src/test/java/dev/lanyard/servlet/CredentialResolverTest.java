package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CredentialResolverTest {
  @Test
  void bearerTokenWhenTwoAuthorizationHeadersThenRefusedEvenIfBothAreBearer() {
    assertThatThrownBy(() -> CredentialResolver.bearerToken(
        ServletFakes.request(List.of("Bearer a.b.c", "Bearer d.e.f"), null)))
        .isInstanceOf(CredentialResolver.MultipleAuthorizationHeadersException.class)
        .hasMessage("more than one Authorization header");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Bearer", "Bearer_x", "Basic dXNlcjpwYXNz", "Token a.b.c", "Bearera.b.c"})
  void bearerTokenWhenNotABearerCredentialThenNone(String header) throws Exception {
    assertThat(CredentialResolver.bearerToken(ServletFakes.request(List.of(header), null))).isNull();
  }

  @Test
  void bearerTokenWhenNoHeaderThenNone() throws Exception {
    assertThat(CredentialResolver.bearerToken(ServletFakes.request(List.of(), null))).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bearer a.b.c", "bearer a.b.c", "BEARER   a.b.c  "})
  void bearerTokenWhenBearerInAnyCaseThenTokenStripped(String header) throws Exception {
    assertThat(CredentialResolver.bearerToken(ServletFakes.request(List.of(header), null))).isEqualTo("a.b.c");
  }

  @Test
  void clientCertificatesWhenAttributeMissingEmptyOrOfAnotherTypeThenNone() {
    assertThat(CredentialResolver.clientCertificates(ServletFakes.request(List.of(), null))).isNull();
    assertThat(CredentialResolver.clientCertificates(ServletFakes.request(List.of(), new X509Certificate[0])))
        .isNull();
    assertThat(CredentialResolver.clientCertificates(ServletFakes.request(List.of(), "not a chain"))).isNull();
  }
}
