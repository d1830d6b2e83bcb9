package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.TrustBundle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;

/**
 * {@code lanyard.bundle-endpoint.enabled=true} in a real application on a random port with Spring Security (the
 * starter's chain): the identity's bundle, OIDC discovery and JWKS are served at public paths while every other path
 * stays behind Lanyard's policy. Then without Spring Security (the plain filter), enabled and disabled (default).
 */
@SpringBootTest(classes = BundleEndpointApplicationTest.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.policy.rules[0]=GET /hello spiffe://example.org/orders",
        "lanyard.bundle-endpoint.enabled=true",
        "lanyard.bundle-endpoint.issuer=https://oidc.example.org"})
class BundleEndpointApplicationTest {
  static final TrustDomain TD = TrustDomain.of("example.org");

  @LocalServerPort
  int port;

  @Autowired
  EmbeddedAuthority authority;

  private final HttpClient http = HttpClient.newHttpClient();

  static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void enabledWhenSpringSecurityThenDocumentsPublicAndOtherPathsProtected() throws Exception {
    HttpResponse<String> bundle = get(http, port, "/.well-known/spiffe-bundle");
    assertThat(bundle.statusCode()).isEqualTo(200);
    assertThat(bundle.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("application/json"));
    assertThat(bundle.headers().firstValue("Cache-Control")).contains("public, max-age=300");
    assertThat(TrustBundle.parse(TD, bundle.body()).jwtKeys()).isEqualTo(authority.bundle().jwtKeys());

    Map<String, Object> discovery = JSONObjectUtils.parse(get(http, port, "/.well-known/openid-configuration").body());
    assertThat(discovery).containsEntry("issuer", "https://oidc.example.org")
        .containsEntry("jwks_uri", "https://oidc.example.org/.well-known/jwks.json");
    HttpResponse<String> jwks = get(http, port, "/.well-known/jwks.json");
    assertThat(jwks.statusCode()).isEqualTo(200);
    assertThat(JWKSet.parse(jwks.body()).getKeys()).isNotEmpty().noneMatch(k -> k.isPrivate());

    assertThat(get(http, port, "/hello").statusCode()).isEqualTo(401);
    assertThat(get(http, port, "/.well-known/other").statusCode()).isEqualTo(401);
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/.well-known/spiffe-bundle"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(401);
  }

  private final WebApplicationContextRunner plain = new WebApplicationContextRunner(
      AnnotationConfigServletWebServerApplicationContext::new)
      .withClassLoader(new FilteredClassLoader("org.springframework.security"))
      .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class,
          TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
          WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
      .withPropertyValues("server.port=0", "lanyard.spiffe-id=spiffe://example.org/payments",
          "lanyard.policy.rules[0]=GET /hello spiffe://example.org/orders");

  @Test
  void plainFilterWhenEnabledThenServedWhenDisabledByDefaultThenNotServed() {
    plain.withPropertyValues("lanyard.bundle-endpoint.enabled=true", "lanyard.bundle-endpoint.refresh-hint=30s")
        .run(context -> {
          assertThat(context).hasNotFailed();
          int port = ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
          HttpResponse<String> bundle = get(HttpClient.newHttpClient(), port, "/.well-known/spiffe-bundle");
          assertThat(bundle.statusCode()).isEqualTo(200);
          assertThat(bundle.headers().firstValue("Cache-Control")).contains("public, max-age=30");
          assertThat(get(HttpClient.newHttpClient(), port, "/hello").statusCode()).isEqualTo(401);
        });
    plain.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean("lanyardBundleEndpointRegistration");
      int port = ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
      assertThat(get(HttpClient.newHttpClient(), port, "/.well-known/spiffe-bundle").statusCode()).isEqualTo(401);
      assertThat(get(HttpClient.newHttpClient(), port, "/.well-known/openid-configuration").statusCode())
          .isEqualTo(401);
    });
  }

  @Test
  void badPropertyWhenEnabledThenStartFailsNamingIt() {
    plain.withPropertyValues("lanyard.bundle-endpoint.enabled=true", "lanyard.bundle-endpoint.path=no-slash")
        .run(context -> assertThat(context).getFailure().rootCause()
            .isInstanceOf(InvalidConfigurationPropertyValueException.class)
            .hasMessageContaining("lanyard.bundle-endpoint.path"));
    plain.withPropertyValues("lanyard.bundle-endpoint.enabled=true", "lanyard.bundle-endpoint.issuer=ftp://x")
        .run(context -> assertThat(context).getFailure().rootCause()
            .hasMessageContaining("lanyard.bundle-endpoint.issuer"));
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}
}
