package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpServer;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.JwtSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.ServerAuthorizer;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.HttpBundleSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.HttpStatusRequestRejectedHandler;
import org.springframework.security.web.firewall.RequestRejectedHandler;

@ExtendWith(OutputCaptureExtension.class)
class LanyardAutoConfigurationTest {
  private static final String[] BASE = {
      "lanyard.trust-domain=example.org",
      "lanyard.spiffe-id=spiffe://example.org/payments",
      "lanyard.policy.rules[0]=POST /charge spiffe://example.org/orders payments:charge"};

  private final WebApplicationContextRunner web = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class,
          SecurityAutoConfiguration.class, UserDetailsServiceAutoConfiguration.class,
          ServletWebSecurityAutoConfiguration.class))
      .withPropertyValues(BASE);

  private final ApplicationContextRunner plain = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
      .withPropertyValues(BASE);

  @Test
  void defaultsWhenServletAppWithSpringSecurityThenEmbeddedIdentityAndLanyardChain() {
    web.run(context -> {
      assertThat(context).hasNotFailed();
      LanyardIdentity identity = context.getBean(LanyardIdentity.class);
      assertThat(identity).isInstanceOf(EmbeddedIdentity.class);
      assertThat(identity.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://example.org/payments"));
      assertThat(identity.x509Svids().current().spiffeId()).isEqualTo(identity.spiffeId());
      assertThat(context).hasSingleBean(EmbeddedAuthority.class);
      assertThat(context.getBean(BundleSource.class)).isSameAs(identity.bundles());
      assertThat(context).hasSingleBean(LanyardInbound.class);
      assertThat(context).hasBean("lanyardSecurityFilterChain");
      assertThat(context).getBeans(SecurityFilterChain.class).hasSize(1);
      assertThat(context.getBean(RequestRejectedHandler.class)).isInstanceOf(LanyardRequestRejectedHandler.class);
      assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
      assertThat(context).doesNotHaveBean(UserDetailsService.class);
      assertThat(context).hasBean("lanyardRestClientCustomizer").hasBean("lanyardRestTemplateCustomizer");
      assertThat(context).hasBean("lanyardHealthIndicator");
      SslBundle bundle = context.getBean(SslBundles.class).getBundle("lanyard");
      assertThat(bundle.getStores().getKeyStore().isKeyEntry("lanyard")).isTrue();
      assertThat(bundle.getStores().getTrustStore().size()).isEqualTo(1);
      LanyardSettings settings = context.getBean(LanyardSettings.class);
      assertThat(settings.audience()).isEqualTo("spiffe://example.org/payments");
      assertThat(settings.clockSkew()).isEqualTo(Duration.ofSeconds(30));
      assertThat(settings.maxTokenLifetime()).isEqualTo(Duration.ofHours(1));
      assertThat(settings.policy().current().ruleCount()).isEqualTo(1);
    });
  }

  @Test
  void trustDomainWhenNotSetThenTakenFromSpiffeId() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader("org.springframework.security"))
        .withPropertyValues("lanyard.spiffe-id=spiffe://corp.example/orders", "lanyard.policy.rules[0]=GET / any")
        .run(context -> assertThat(context.getBean(LanyardSettings.class).trustDomain())
            .isEqualTo(TrustDomain.of("corp.example")));
  }

  @Test
  void identitySourceWhenEmbeddedWithDirectoryThenPersistedAndReopened(@TempDir Path dir) {
    Path authorityDir = dir.resolve("authority");
    String[] kids = new String[1];
    web.withPropertyValues("lanyard.identity.source=embedded", "lanyard.authority.dir=" + authorityDir)
        .run(context -> {
          assertThat(context).hasNotFailed();
          kids[0] = context.getBean(EmbeddedAuthority.class).jwtKeys().get(0).keyId();
        });
    assertThat(Files.exists(authorityDir.resolve("authority.json"))).isTrue();
    web.withPropertyValues("lanyard.authority.dir=" + authorityDir).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(EmbeddedAuthority.class).jwtKeys().get(0).keyId()).isEqualTo(kids[0]);
    });
  }

  @Test
  void authorityDirWhenOfAnotherTrustDomainThenStartFailsNamingIt(@TempDir Path dir) {
    EmbeddedAuthority.newBuilder(TrustDomain.of("other.org")).directory(dir.resolve("a")).build();
    web.withPropertyValues("lanyard.authority.dir=" + dir.resolve("a"))
        .run(context -> assertFailure(context, "lanyard.authority.dir", "trust domain 'other.org'"));
  }

  @Test
  void authorityDirWhenWritableByOthersThenStartFailsNamingPropertyModeAndFix(@TempDir Path dir) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"),
        "POSIX file system");
    Path authorityDir = dir.resolve("a");
    EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).directory(authorityDir).build();
    Files.setPosixFilePermissions(authorityDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

    web.withPropertyValues("lanyard.authority.dir=" + authorityDir)
        .run(context -> assertFailure(context, "lanyard.authority.dir",
            "authority directory " + authorityDir + " has mode 0777 (group/others may write): chmod 700 "
                + authorityDir));
  }

  @Test
  void identitySourceWhenFilesWithoutCertificateThenStartFailsNamingTheProperty() {
    web.withPropertyValues("lanyard.identity.source=files")
        .run(context -> assertFailure(context, "lanyard.files.certificate",
            "is required when lanyard.identity.source=files"));
  }

  @ParameterizedTest
  @CsvSource({"workload-api", "files"})
  void identitySourceWhenNotAvailableYetButUserIdentityBeanThenBacksOffToIt(String source) {
    web.withPropertyValues("lanyard.identity.source=" + source)
        .withUserConfiguration(UserIdentityConfiguration.class)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(LanyardIdentity.class)).isSameAs(context.getBean("userIdentity"));
          assertThat(context).doesNotHaveBean(EmbeddedAuthority.class);
          assertThat(context).hasSingleBean(LanyardInbound.class);
        });
  }

  @Test
  void userIdentityWhenItNamesAnotherWorkloadThenStartFails() {
    web.withPropertyValues("lanyard.spiffe-id=spiffe://example.org/billing")
        .withUserConfiguration(UserIdentityConfiguration.class)
        .run(context -> assertFailure(context, "lanyard.spiffe-id", "the LanyardIdentity bean is "
            + "spiffe://example.org/payments"));
  }

  @Test
  void userBeansWhenDeclaredThenAutoConfigurationBacksOff() {
    web.withUserConfiguration(UserBeansConfiguration.class).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).getBeans(SecurityFilterChain.class).containsOnlyKeys("userChain");
      assertThat(context.getBean(BundleSource.class)).isSameAs(context.getBean("userBundles"));
      assertThat(context.getBean(EmbeddedAuthority.class)).isSameAs(context.getBean("userAuthority"));
      assertThat(context).getBeans(RestClientCustomizer.class)
          .containsOnlyKeys("userRestClientCustomizer", "lanyardRestClientCustomizer");
      assertThat(context).getBeans(AuthenticationProvider.class).isEmpty();
      assertThat(context).hasSingleBean(UserDetailsService.class);
    });
  }

  @Test
  void userAuditSinkWhenDeclaredThenReceivesEventsBesideTheCounters() {
    web.withUserConfiguration(UserAuditConfiguration.class).run(context -> {
      assertThat(context).hasNotFailed();
      UserAuditConfiguration.events.set(0);
      context.getBean(LanyardInbound.class).audit().record(dev.lanyard.audit.AuditEvent
          .newBuilder(java.time.Instant.now(), dev.lanyard.audit.AuditEvent.Decision.DENIED).build());
      // Delivered on the audit thread (lanyard.audit.async defaults to true): wait for it, not for luck.
      assertThat(context.getBean(LanyardAudit.class).flush(java.time.Duration.ofSeconds(10))).isTrue();
      assertThat(UserAuditConfiguration.events.get()).isEqualTo(1);
      assertThat(context.getBean(AuditCounters.class).rejected()).containsEntry("DENIED", 1L);
    });
  }

  @Test
  void springSecurityWhenAbsentThenServletFilterRegistered() {
    web.withClassLoader(new FilteredClassLoader("org.springframework.security")).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean("lanyardSecurityFilterChain");
      assertThat(context).doesNotHaveBean(AuthenticationProvider.class);
      FilterRegistrationBean<?> registration = context.getBean("lanyardFilterRegistration",
          FilterRegistrationBean.class);
      assertThat(registration.getFilter()).isInstanceOf(LanyardFilter.class)
          .isSameAs(context.getBean(LanyardInbound.class).filter());
      assertThat(registration.getOrder()).isEqualTo(LanyardAutoConfiguration.FILTER_ORDER);
    });
  }

  @Test
  void actuatorWhenPresentThenEndpointWhenExposedAndHealthIndicator() {
    web.withPropertyValues("management.endpoints.web.exposure.include=lanyard").run(context -> {
      assertThat(context).hasSingleBean(LanyardEndpoint.class);
      assertThat(context).hasBean("lanyardHealthIndicator");
    });
    web.run(context -> assertThat(context).doesNotHaveBean(LanyardEndpoint.class));
  }

  @Test
  void actuatorWhenAbsentThenNoEndpointNorHealthIndicatorAndTheRestWorks() {
    web.withClassLoader(new FilteredClassLoader(Endpoint.class, HealthIndicator.class))
        .withPropertyValues("management.endpoints.web.exposure.include=lanyard")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(LanyardEndpoint.class);
          assertThat(context).doesNotHaveBean("lanyardHealthIndicator");
          assertThat(context).hasSingleBean(LanyardInbound.class);
        });
  }

  @Test
  void requestRejectedHandlerWhenApplicationDeclaresOneThenBacksOff() {
    RequestRejectedHandler own = new HttpStatusRequestRejectedHandler();
    web.withBean("ownRejectedHandler", RequestRejectedHandler.class, () -> own).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context.getBean(RequestRejectedHandler.class)).isSameAs(own);
    });
  }

  @Test
  void nonWebApplicationWhenStartedThenIdentityAndClientButNoInbound() {
    plain.run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasSingleBean(LanyardIdentity.class);
      assertThat(context).doesNotHaveBean(LanyardInbound.class);
      assertThat(context).hasBean("lanyardClientInterceptor");
      assertThat(context).getBeans(RestTemplateCustomizer.class).containsKey("lanyardRestTemplateCustomizer");
    });
  }

  @Test
  void restClientWhenAbsentThenNoCustomizers() {
    plain.withClassLoader(new FilteredClassLoader("org.springframework.boot.restclient")).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean("lanyardRestClientCustomizer");
      assertThat(context).doesNotHaveBean("lanyardRestTemplateCustomizer");
    });
  }

  @Test
  void disabledWhenLanyardEnabledFalseThenNothing() {
    web.withPropertyValues("lanyard.enabled=false", "lanyard.spiffe-id=").run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).doesNotHaveBean(LanyardIdentity.class);
    });
  }

  @Test
  void clientTargetsWhenConfiguredThenParsed() {
    web.withPropertyValues("lanyard.client.targets.orders.url=https://orders.internal:8443/api/",
        "lanyard.client.targets.orders.audience=spiffe://example.org/orders",
        "lanyard.client.targets.orders.scopes=orders:read,orders:write").run(context -> {
          assertThat(context).hasNotFailed();
          ClientTarget target = context.getBean(LanyardSettings.class).targets().get(0);
          assertThat(target.name()).isEqualTo("orders");
          assertThat(target.scopes()).containsExactly("orders:read", "orders:write");
          assertThat(target.matches(java.net.URI.create("https://orders.internal:8443/api/x"))).isTrue();
        });
  }

  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId IMPOSTOR = SpiffeId.parse("spiffe://example.org/impostor");

  @Test
  void serverAuthorizationWhenDefaultThenTargetServerMustPresentTheAudience(CapturedOutput output) {
    web.withPropertyValues("lanyard.client.targets.orders.url=https://Orders.Internal:8443/api/",
        "lanyard.client.targets.orders.audience=spiffe://example.org/orders").run(context -> {
          assertThat(context).hasNotFailed();
          LanyardSettings settings = context.getBean(LanyardSettings.class);
          assertThat(settings.serverAuthorization()).isEqualTo(LanyardProperties.ServerAuthorization.TARGET);
          assertThat(settings.targets().get(0).serverId()).contains(ORDERS);
          ServerAuthorizer servers = settings.serverAuthorizer();
          assertThat(servers.forServer("orders.internal", 8443).isAuthorized(ORDERS)).isTrue();
          assertThat(servers.forServer("orders.internal", 8443).isAuthorized(IMPOSTOR)).isFalse();
          assertThat(servers.forServer("ledger.internal", 443).isAuthorized(IMPOSTOR)).isTrue();
          assertThat(servers.forServer("ledger.internal", 443)
              .isAuthorized(SpiffeId.parse("spiffe://other.org/ledger"))).isFalse();
        });
    assertThat(output).doesNotContain("server-authorization=trust-domain").doesNotContain(".server-id is not set");
  }

  @Test
  void serverIdWhenSetThenItAuthorizesTheServerWhateverTheAudience() {
    web.withPropertyValues("lanyard.client.targets.orders.url=https://orders.internal:8443/api/",
        "lanyard.client.targets.orders.audience=orders-api",
        "lanyard.client.targets.orders.server-id=spiffe://example.org/orders").run(context -> {
          assertThat(context).hasNotFailed();
          LanyardSettings settings = context.getBean(LanyardSettings.class);
          assertThat(settings.targets().get(0).audience()).isEqualTo("orders-api");
          assertThat(settings.targets().get(0).serverId()).contains(ORDERS);
          assertThat(settings.serverAuthorizer().forServer("orders.internal", 8443).isAuthorized(ORDERS)).isTrue();
        });
  }

  @Test
  void serverIdWhenMissingAndAudienceNotSpiffeIdThenNoServerAcceptedThereAndWarningNamesProperty(
      CapturedOutput output) {
    web.withPropertyValues("lanyard.client.targets.orders.url=https://orders.internal:8443/api/",
        "lanyard.client.targets.orders.audience=orders-api").run(context -> {
          assertThat(context).hasNotFailed();
          context.getBean(SslBundles.class).getBundle("lanyard");
          LanyardSettings settings = context.getBean(LanyardSettings.class);
          assertThat(settings.targets().get(0).serverId()).isEmpty();
          assertThat(settings.serverAuthorizer().forServer("orders.internal", 8443).isAuthorized(ORDERS)).isFalse();
          assertThat(settings.serverAuthorizer().forServer("orders.internal", 8443).isAuthorized(IMPOSTOR))
              .isFalse();
        });
    assertThat(output).contains("WARN").contains("lanyard.client.targets.orders.server-id is not set");
  }

  @Test
  void serverAuthorizationWhenTrustDomainThenAnyWorkloadAcceptedAndWarned(CapturedOutput output) {
    web.withPropertyValues("lanyard.client.targets.orders.url=https://orders.internal:8443/api/",
        "lanyard.client.targets.orders.audience=spiffe://example.org/orders",
        "lanyard.client.server-authorization=trust-domain").run(context -> {
          assertThat(context).hasNotFailed();
          context.getBean(SslBundles.class).getBundle("lanyard");
          ServerAuthorizer servers = context.getBean(LanyardSettings.class).serverAuthorizer();
          assertThat(servers.forServer("orders.internal", 8443).isAuthorized(IMPOSTOR)).isTrue();
        });
    assertThat(output).contains("WARN").contains("lanyard.client.server-authorization=trust-domain");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "lanyard.client.targets.orders.server-id=orders                     | lanyard.client.targets.orders.server-id "
          + "| not a SPIFFE ID",
      "lanyard.client.targets.orders.server-id=spiffe://example.org       | lanyard.client.targets.orders.server-id "
          + "| names a trust domain",
      "lanyard.client.targets.orders.server-id=spiffe://other.org/orders  | lanyard.client.targets.orders.server-id "
          + "| is not in trust domain 'example.org'",
      "lanyard.client.targets.orders.server-id=https://orders.internal    | lanyard.client.targets.orders.server-id "
          + "| not a SPIFFE ID",
      "lanyard.client.targets.more.server-id=spiffe://example.org/other   | lanyard.client.targets.more.server-id "
          + "| share orders.internal:8443",
      "lanyard.client.server-authorization=anyone                         | lanyard.client.server-authorization "
          + "| anyone",
  })
  void serverIdWhenBadThenStartFailsNamingItAndWhy(String property, String name, String why) {
    web.withPropertyValues("lanyard.client.targets.orders.url=https://orders.internal:8443/api",
        "lanyard.client.targets.orders.audience=spiffe://example.org/orders",
        "lanyard.client.targets.more.url=https://orders.internal:8443/more",
        "lanyard.client.targets.more.audience=more-api", property)
        .run(context -> assertFailure(context, name, why));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "lanyard.spiffe-id=                                        | lanyard.spiffe-id   | is required",
      "lanyard.spiffe-id=payments                                | lanyard.spiffe-id   | payments",
      "lanyard.spiffe-id=spiffe://example.org                    | lanyard.spiffe-id   | names a trust domain",
      "lanyard.trust-domain=exa mple.org                         | lanyard.trust-domain| exa mple.org",
      "lanyard.spiffe-id=spiffe://other.org/payments             | lanyard.spiffe-id   | is not in trust domain 'example.org'",
      "lanyard.clock-skew=five minutes                           | lanyard.clock-skew  | java.time.Duration",
      "lanyard.max-token-lifetime=1 hour                         | lanyard.max-token-lifetime | java.time.Duration",
      "lanyard.clock-skew=6m                                     | lanyard.clock-skew  | must be between 0 and 5m",
      "lanyard.clock-skew=-1s                                    | lanyard.clock-skew  | must be between 0 and 5m",
      "lanyard.max-token-lifetime=25h                            | lanyard.max-token-lifetime | at most 24h",
      "lanyard.max-token-lifetime=0s                             | lanyard.max-token-lifetime | more than 0",
      "lanyard.bundle-max-staleness=soon                         | lanyard.bundle-max-staleness | java.time.Duration",
      "lanyard.bundle-max-staleness=8d                           | lanyard.bundle-max-staleness | more than 0 and at most 7d",
      "lanyard.bundle-max-staleness=0s                           | lanyard.bundle-max-staleness | more than 0 and at most 7d",
      "lanyard.identity.source=spire                             | lanyard.identity.source | spire",
      "lanyard.policy.rules[0]=PSOT /charge any                  | lanyard.policy.rules[0] | unknown method 'PSOT'",
      "lanyard.policy.file=classpath:payments-policy.txt         | lanyard.policy.rules | not both",
      "lanyard.bundle=/no/such/bundle.json                       | lanyard.bundle      | no such file",
      "lanyard.bundle=https://                                   | lanyard.bundle      | https://",
      "lanyard.client.targets.billing.url=https://billing:8443   | lanyard.client.targets.billing.audience | is required",
      "lanyard.client.targets.billing.url=ftp://billing          | lanyard.client.targets.billing.url | http or https",
      "lanyard.client.targets.billing.audience=spiffe://example.org/billing | lanyard.client.targets.billing.url | spring.http.serviceclient.billing.base-url",
      "lanyard.client.targets.billing.service-group=pay          | lanyard.client.targets.billing.service-group | set spring.http.serviceclient.pay.base-url",
      "lanyard.client.targets.billing.url=https://billing/api/../admin | lanyard.client.targets.billing.url | not in normal form",
      "lanyard.client.targets.billing.url=https://billing/api;x=y | lanyard.client.targets.billing.url | not in normal form",
      "lanyard.allow-unnormalized-paths=maybe                    | lanyard.allow-unnormalized-paths | boolean",
  })
  void propertyWhenBadThenStartFailsNamingItAndWhy(String property, String name, String why) {
    web.withPropertyValues(property).run(context -> assertFailure(context, name, why));
  }

  @Test
  void policyWhenMissingThenStartFailsNamingIt() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
        .withPropertyValues("lanyard.spiffe-id=spiffe://example.org/payments")
        .run(context -> assertFailure(context, "lanyard.policy.file", "a policy is required"));
  }

  @Test
  void policyFileWhenMissingOrInvalidThenStartFailsNamingIt(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("policy.txt"), "GET / any\nPOST /charge spiffe://example.org/*/x\n");
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
        .withPropertyValues("lanyard.spiffe-id=spiffe://example.org/payments")
        .withPropertyValues("lanyard.policy.file=classpath:no-such-policy.txt")
        .run(context -> assertFailure(context, "lanyard.policy.file", "no such resource"));
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
        .withPropertyValues("lanyard.spiffe-id=spiffe://example.org/payments")
        .withPropertyValues("lanyard.policy.file=" + bad)
        .run(context -> assertFailure(context, "lanyard.policy.file", "policy.txt:2"));
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
        .withPropertyValues("lanyard.spiffe-id=spiffe://example.org/payments")
        .withPropertyValues("lanyard.policy.file=" + dir.resolve("absent.txt"))
        .run(context -> assertFailure(context, "lanyard.policy.file", "cannot read"));
  }

  @Test
  void policyFileWhenOnTheFileSystemThenLoaded(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("policy.txt"), "GET /a any\nGET /b any\n");
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
        .withClassLoader(new FilteredClassLoader("org.springframework.security"))
        .withPropertyValues("lanyard.spiffe-id=spiffe://example.org/payments", "lanyard.policy.file=file:" + file)
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(LanyardSettings.class).policy().current().ruleCount()).isEqualTo(2);
        });
  }

  @Test
  void bundleWhenFileThenCallersVerifiedAgainstIt(@TempDir Path dir) throws Exception {
    EmbeddedAuthority other = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    Path file = Files.writeString(dir.resolve("bundle.json"), other.bundle().toJson());
    web.withPropertyValues("lanyard.bundle=" + file).run(context -> {
      assertThat(context).hasNotFailed();
      BundleSource bundles = context.getBean(BundleSource.class);
      assertThat(bundles).isInstanceOf(dev.lanyard.trust.FileBundleSource.class);
      assertThat(bundles.bundleFor(TrustDomain.of("example.org")).orElseThrow().jwtKeys().get(0).keyId())
          .isEqualTo(other.jwtKeys().get(0).keyId());
    });
  }

  /** A loopback bundle endpoint serving {@code json}, or stalling after the headers while {@code stall} is open. */
  static HttpServer bundleEndpoint(String json, AtomicInteger hits, CountDownLatch stall) throws IOException {
    HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    endpoint.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "bundle-endpoint");
      t.setDaemon(true);
      return t;
    }));
    endpoint.createContext("/bundle", exchange -> {
      hits.incrementAndGet();
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      if (stall == null) {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      OutputStream out = exchange.getResponseBody();
      out.write(body, 0, 8);
      out.flush();
      try {
        stall.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    endpoint.start();
    return endpoint;
  }

  static String url(HttpServer endpoint) {
    return "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/bundle";
  }

  @Test
  void bundleWhenCleartextHttpWithoutOptInThenStartFailsNamingBundleAndTheOptIn() throws Exception {
    EmbeddedAuthority other = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    AtomicInteger hits = new AtomicInteger();
    HttpServer endpoint = bundleEndpoint(other.bundle().toJson(), hits, null);
    try {
      web.withPropertyValues("lanyard.bundle=" + url(endpoint)).run(context -> {
        assertFailure(context, "lanyard.bundle", "cleartext http");
        assertFailure(context, "lanyard.bundle", "lanyard.allow-insecure-http-bundle=true");
      });
      web.withPropertyValues("lanyard.bundle=" + url(endpoint), "lanyard.allow-insecure-http-bundle=false")
          .run(context -> assertFailure(context, "lanyard.bundle", "cleartext http"));
      assertThat(hits.get()).as("nothing fetched over http").isZero();
    } finally {
      endpoint.stop(0);
    }
  }

  @Test
  void bundleWhenCleartextHttpWithOptInThenFetchedAndCallersVerifiedAgainstIt() throws Exception {
    EmbeddedAuthority other = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    AtomicInteger hits = new AtomicInteger();
    HttpServer endpoint = bundleEndpoint(other.bundle().toJson(), hits, null);
    try {
      web.withPropertyValues("lanyard.bundle=" + url(endpoint), "lanyard.allow-insecure-http-bundle=true")
          .run(context -> {
            assertThat(context).hasNotFailed();
            BundleSource bundles = context.getBean(BundleSource.class);
            assertThat(bundles).isInstanceOf(HttpBundleSource.class);
            assertThat(bundles.bundleFor(TrustDomain.of("example.org")).orElseThrow().jwtKeys().get(0).keyId())
                .isEqualTo(other.jwtKeys().get(0).keyId());
          });
      assertThat(hits.get()).isPositive();
    } finally {
      endpoint.stop(0);
    }
  }

  @Test
  void bundleWhenEndpointStallsTheBodyThenStartFailsInBoundedTimeNamingBundle() throws Exception {
    EmbeddedAuthority other = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    CountDownLatch stall = new CountDownLatch(1);
    HttpServer endpoint = bundleEndpoint(other.bundle().toJson(), new AtomicInteger(), stall);
    long start = System.nanoTime();
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(30), () -> web
          .withPropertyValues("lanyard.bundle=" + url(endpoint), "lanyard.allow-insecure-http-bundle=true")
          .run(context -> assertFailure(context, "lanyard.bundle", "within PT5S")));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    } finally {
      stall.countDown();
      endpoint.stop(0);
    }
  }

  static void assertFailure(ApplicationContextAssertProvider<?> context, String property, String why) {
    assertThat(context).hasFailed();
    StringBuilder messages = new StringBuilder();
    for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append('\n');
    }
    assertThat(messages.toString()).contains(property).contains(why);
  }

  @Configuration(proxyBeanMethods = false)
  static class UserIdentityConfiguration {
    @Bean
    LanyardIdentity userIdentity() {
      EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
      SpiffeId id = SpiffeId.parse("spiffe://example.org/payments");
      JwtSvidSource jwt = CachingJwtSvidSource.newBuilder(authority, id).build();
      X509SvidSource x509 = RotatingX509SvidSource.newBuilder(authority, id).build();
      return new LanyardIdentity() {
        @Override
        public SpiffeId spiffeId() {
          return id;
        }

        @Override
        public JwtSvidSource jwtSvids() {
          return jwt;
        }

        @Override
        public X509SvidSource x509Svids() {
          return x509;
        }

        @Override
        public BundleSource bundles() {
          return authority.bundleSource();
        }
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class UserBeansConfiguration {
    @Bean
    SecurityFilterChain userChain(HttpSecurity http) throws Exception {
      http.with(LanyardSecurityConfigurer.lanyard());
      return http.build();
    }

    @Bean
    EmbeddedAuthority userAuthority() {
      return EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    }

    @Bean
    BundleSource userBundles(EmbeddedAuthority userAuthority) {
      return userAuthority.bundleSource();
    }

    @Bean
    RestClientCustomizer userRestClientCustomizer() {
      return builder -> { };
    }

    @Bean
    UserDetailsService userDetailsService() {
      return username -> {
        throw new org.springframework.security.core.userdetails.UsernameNotFoundException(username);
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class UserAuditConfiguration {
    static final java.util.concurrent.atomic.AtomicInteger events = new java.util.concurrent.atomic.AtomicInteger();

    @Bean
    AuditSink userAudit() {
      return event -> events.incrementAndGet();
    }
  }
}
