package dev.lanyard.spring;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.graph.TrustGraph;
import dev.lanyard.servlet.BundleEndpointServlet;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.trust.BundleSource;
import jakarta.servlet.Filter;
import java.time.Clock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.application.SslHealthIndicator;
import org.springframework.boot.health.autoconfigure.application.SslHealthIndicatorProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.autoconfigure.ClientHttpRequestFactoryBuilderCustomizer;
import org.springframework.boot.info.SslInfo;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * Auto-configuration of Lanyard from {@code lanyard.*} properties ({@link LanyardProperties}).
 *
 * <ul>
 *   <li>Identity: the embedded authority ({@code lanyard.identity.source=embedded}, persisted with
 *       {@code lanyard.authority.dir}) or a SPIRE agent ({@code lanyard.identity.source=workload-api}, with the
 *       module {@code lanyard-workload-api}), unless the application declares a {@link LanyardIdentity} (or an
 *       {@link EmbeddedAuthority}) bean.</li>
 *   <li>Trust: the identity's bundle, or {@code lanyard.bundle} (file or http(s) URL), unless the application declares
 *       a {@link BundleSource} bean.</li>
 *   <li>Inbound, in a servlet web application: with Spring Security, a {@code SecurityFilterChain} running Lanyard
 *       (backing off when the application declares its own chain, which can add Lanyard with
 *       {@link LanyardSecurityConfigurer}) and a {@code RequestRejectedHandler} answering the firewall's path refusals
 *       as Lanyard does; without it, {@code LanyardFilter} registered for every request. Either way a raw path not in
 *       normal form gets 400 before any rule, unless {@code lanyard.allow-unnormalized-paths=true}.</li>
 *   <li>Outbound: a {@code RestClient} customizer (which Spring Boot also applies to the clients of HTTP service
 *       groups) and a {@code RestTemplate} customizer attaching tokens for {@code lanyard.client.targets}; a target
 *       without {@code url} takes its group's {@code spring.http.serviceclient.<group>.base-url}.</li>
 *   <li>mTLS: the SSL bundle {@code lanyard} (the service's X.509-SVID and its trust domain's roots), updated when the
 *       SVID rotates and when the roots change; HTTP clients Spring Boot builds with it open new connections after
 *       the SVID rotated.</li>
 *   <li>Audit ({@code lanyard.audit.*}): every decision to the logger {@code lanyard.audit}, to every
 *       {@link AuditSink} bean and to a ring of the last events, off the request thread.</li>
 *   <li>Operations: the {@code lanyard} actuator endpoint (state, recent audit events, trust graph) and health
 *       indicator (which reports the SVID), and Spring Boot's {@code ssl} health indicator without the
 *       {@code lanyard} bundle.</li>
 *   <li>Serving trust ({@code lanyard.bundle-endpoint.enabled=true}): the identity's trust bundle, OIDC discovery and
 *       JWKS at public paths.</li>
 * </ul>
 *
 * <p>Thread-safe: bean factory methods, called by Spring while the context starts; the beans they make are
 * thread-safe.
 */
@AutoConfiguration(beforeName = {
    "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
    "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
    "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
    "org.springframework.boot.health.autoconfigure.application.SslHealthContributorAutoConfiguration"})
@ConditionalOnClass(EmbeddedAuthority.class)
@ConditionalOnBooleanProperty(name = "lanyard.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LanyardProperties.class)
public final class LanyardAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(LanyardAutoConfiguration.class);
  /** The order of the plain servlet filter: where Spring Security's chain runs by default. */
  static final int FILTER_ORDER = -100;

  @Bean
  @ConditionalOnMissingBean
  LanyardSettings lanyardSettings(LanyardProperties properties, ResourceLoader resourceLoader,
      Environment environment) {
    return LanyardSettings.of(properties, resourceLoader, ClientTargets.serviceGroupUrls(environment));
  }

  @Bean
  @ConditionalOnMissingBean
  BundleSource lanyardBundleSource(LanyardSettings settings, LanyardIdentity identity,
      ResourceLoader resourceLoader) {
    settings.checkIdentity(identity);
    return LanyardSources.bundleSource(settings, identity, resourceLoader);
  }

  @Bean
  @ConditionalOnMissingBean
  BundleEndpointSettings lanyardBundleEndpointSettings(LanyardProperties properties) {
    return BundleEndpointSettings.of(properties.getBundleEndpoint());
  }

  @Bean
  @ConditionalOnMissingBean
  AuditCounters lanyardAuditCounters() {
    return new AuditCounters();
  }

  /**
   * The audit trail ({@code lanyard.audit.*}): counters, the ring of the last events, the SLF4J sink and every
   * {@link AuditSink} bean of the application (behind an asynchronous sink unless {@code lanyard.audit.async=false}).
   */
  @Bean
  @ConditionalOnMissingBean
  LanyardAudit lanyardAudit(LanyardProperties properties, AuditCounters counters, ObjectProvider<AuditSink> sinks) {
    return LanyardAudit.create(properties.getAudit(), counters, sinks.orderedStream().collect(Collectors.toList()));
  }

  @Bean
  @ConditionalOnMissingBean
  LanyardStatus lanyardStatus(LanyardSettings settings, LanyardIdentity identity, BundleSource bundles,
      AuditCounters counters) {
    settings.checkIdentity(identity);
    return new LanyardStatus(settings, identity, bundles, counters, Clock.systemUTC());
  }

  /** The one INFO start-up line saying what Lanyard runs with. */
  @Bean
  @ConditionalOnMissingBean
  LanyardStartupLog lanyardStartupLog(LanyardSettings settings, LanyardIdentity identity, BundleSource bundles) {
    settings.checkIdentity(identity);
    return new LanyardStartupLog(settings, identity, bundles);
  }

  @Bean
  @ConditionalOnMissingBean(name = "lanyardSslBundleRegistrar")
  SslBundleRegistrar lanyardSslBundleRegistrar(LanyardSettings settings, LanyardIdentity identity,
      BundleSource bundles) {
    if (settings.serverAuthorization() == LanyardProperties.ServerAuthorization.TRUST_DOMAIN) {
      LOG.warn("{}=trust-domain: clients using the SSL bundle '{}' accept any workload of {} as the server of every "
          + "target, so a workload that can redirect a target's traffic receives its token; the default 'target' "
          + "requires each target's server-id", LanyardSettings.SERVER_AUTHORIZATION, LanyardSslBundle.NAME,
          settings.trustDomain());
    } else {
      for (ClientTarget target : settings.targets()) {
        if (target.isHttps() && target.serverId().isEmpty()) {
          LOG.warn("{}.{}.server-id is not set and the audience is not a SPIFFE ID of {}: the SSL bundle '{}' refuses "
              + "every server at {}:{}", LanyardSettings.TARGETS, target.name(), settings.trustDomain(),
              LanyardSslBundle.NAME, target.host(), target.port());
        }
      }
    }
    return new LanyardSslBundle(identity, settings.trustDomain(), bundles, settings.serverAuthorizer());
  }

  /** The embedded authority and the identity it gives, unless the application brings its own identity. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingBean(LanyardIdentity.class)
  @Conditional(IdentitySourceCondition.NotWorkloadApi.class)
  static class EmbeddedIdentityConfiguration {
    @Bean
    @ConditionalOnMissingBean
    EmbeddedAuthority lanyardEmbeddedAuthority(LanyardSettings settings, LanyardAudit audit) {
      return LanyardSources.embeddedAuthority(settings, audit.sink());
    }

    @Bean
    @ConditionalOnMissingBean
    LanyardIdentity lanyardIdentity(LanyardSettings settings, EmbeddedAuthority authority) {
      return LanyardSources.embeddedIdentity(settings, authority);
    }
  }

  /**
   * The identity from a SPIRE agent ({@code lanyard.identity.source=workload-api}, module
   * {@code lanyard-workload-api}), unless the application brings its own identity.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingBean(LanyardIdentity.class)
  @Conditional(IdentitySourceCondition.WorkloadApi.class)
  static class WorkloadApiIdentityConfiguration {
    @Bean
    @ConditionalOnMissingBean
    LanyardIdentity lanyardWorkloadApiIdentity(LanyardSettings settings, ResourceLoader resourceLoader) {
      return LanyardSources.workloadApiIdentity(settings, resourceLoader.getClassLoader());
    }
  }

  /**
   * The identity from files a sidecar keeps current ({@code lanyard.identity.source=files}, {@code lanyard.files.*}),
   * unless the application brings its own identity.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingBean(LanyardIdentity.class)
  @Conditional(IdentitySourceCondition.Files.class)
  static class FilesIdentityConfiguration {
    @Bean
    @ConditionalOnMissingBean
    LanyardIdentity lanyardFilesIdentity(LanyardSettings settings) {
      return FilesLanyardIdentity.open(settings);
    }
  }

  /** Inbound verification in a servlet web application. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass({Filter.class, LanyardFilter.class})
  static class ServletConfiguration {
    @Bean
    @ConditionalOnMissingBean
    LanyardInbound lanyardInbound(LanyardSettings settings, BundleSource bundles, LanyardIdentity identity,
        LanyardAudit audit, BundleEndpointSettings endpoint) {
      return LanyardInbound.create(settings, bundles, identity, audit.sink(), endpoint.publicPaths());
    }

    /** The trust graph the inbound filter records (served by the {@code lanyard} actuator endpoint). */
    @Bean
    @ConditionalOnMissingBean(name = "lanyardTrustGraph")
    TrustGraph lanyardTrustGraph(LanyardInbound inbound) {
      return inbound.filter().trustGraph();
    }

    /** Without Spring Security: the servlet filter for every request. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("org.springframework.security.config.annotation.web.builders.HttpSecurity")
    static class FilterRegistrationConfiguration {
      @Bean
      @ConditionalOnMissingBean(name = "lanyardFilterRegistration")
      FilterRegistrationBean<Filter> lanyardFilterRegistration(LanyardInbound inbound) {
        FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(inbound.servletFilter());
        registration.setName("lanyardFilter");
        registration.setOrder(FILTER_ORDER);
        return registration;
      }
    }

    /** With Spring Security: a filter chain running Lanyard, unless the application has its own. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({HttpSecurity.class, SecurityFilterChain.class})
    static class SecurityConfiguration {
      @Bean
      @ConditionalOnMissingBean(SecurityFilterChain.class)
      SecurityFilterChain lanyardSecurityFilterChain(HttpSecurity http) throws Exception {
        http.with(LanyardSecurityConfigurer.lanyard())
            .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
            .csrf(csrf -> csrf.disable())
            .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .requestCache(cache -> cache.disable())
            .logout(logout -> logout.disable());
        return http.build();
      }

      /** Path tricks that Spring Security's firewall refuses get the same 400 as those the filter refuses. */
      @Bean
      @ConditionalOnMissingBean(RequestRejectedHandler.class)
      RequestRejectedHandler lanyardRequestRejectedHandler(LanyardInbound inbound) {
        return new LanyardRequestRejectedHandler(inbound);
      }

      @Bean
      @ConditionalOnMissingBean({AuthenticationManager.class, AuthenticationProvider.class, UserDetailsService.class})
      AuthenticationProvider lanyardAuthenticationProvider() {
        return new LanyardAuthenticationProvider();
      }
    }
  }

  /**
   * The bundle endpoint ({@code lanyard.bundle-endpoint.enabled=true}): this service's trust bundle, OIDC discovery
   * and JWKS, served by {@link BundleEndpointServlet} at public paths.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass({Filter.class, BundleEndpointServlet.class})
  @ConditionalOnBooleanProperty(name = BundleEndpointSettings.ENABLED)
  static class BundleEndpointConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "lanyardBundleEndpointRegistration")
    ServletRegistrationBean<BundleEndpointServlet> lanyardBundleEndpointRegistration(LanyardSettings settings,
        BundleEndpointSettings endpoint, LanyardIdentity identity) {
      settings.checkIdentity(identity);
      BundleEndpointServlet servlet = endpoint.servlet(settings.trustDomain(), identity.bundles());
      ServletRegistrationBean<BundleEndpointServlet> registration =
          new ServletRegistrationBean<>(servlet, servlet.paths().toArray(new String[0]));
      registration.setName("lanyardBundleEndpoint");
      registration.setLoadOnStartup(1);
      return registration;
    }
  }

  /** Outbound tokens for Spring's HTTP clients. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ClientHttpRequestInterceptor.class)
  static class ClientConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "lanyardClientInterceptor")
    ClientHttpRequestInterceptor lanyardClientInterceptor(LanyardSettings settings, LanyardIdentity identity,
        Environment environment) {
      String redirects = environment.getProperty(LanyardEnvironmentPostProcessor.REDIRECTS, "follow-when-possible");
      if (!settings.targets().isEmpty() && !redirects.strip().equalsIgnoreCase("dont-follow")
          && !redirects.strip().equalsIgnoreCase("dont_follow")) {
        LOG.warn("lanyard.client.targets are set but {}={}: a target that redirects to another host could make the "
            + "HTTP client resend the token there; set {}=dont-follow", LanyardEnvironmentPostProcessor.REDIRECTS,
            redirects, LanyardEnvironmentPostProcessor.REDIRECTS);
      }
      return new LanyardClientInterceptor(settings.targets(), identity.jwtSvids());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RestClientCustomizer.class, RestClient.class})
    static class RestClientConfiguration {
      @Bean
      @ConditionalOnMissingBean(name = "lanyardRestClientCustomizer")
      RestClientCustomizer lanyardRestClientCustomizer(
          @Qualifier("lanyardClientInterceptor") ClientHttpRequestInterceptor interceptor) {
        return builder -> builder.requestInterceptor(interceptor);
      }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RestTemplateCustomizer.class, RestTemplate.class})
    static class RestTemplateConfiguration {
      @Bean
      @ConditionalOnMissingBean(name = "lanyardRestTemplateCustomizer")
      RestTemplateCustomizer lanyardRestTemplateCustomizer(
          @Qualifier("lanyardClientInterceptor") ClientHttpRequestInterceptor interceptor) {
        return template -> template.getInterceptors().add(interceptor);
      }
    }
  }

  /** The {@code lanyard} actuator endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Endpoint.class)
  @ConditionalOnAvailableEndpoint(LanyardEndpoint.class)
  static class EndpointConfiguration {
    @Bean
    @ConditionalOnMissingBean
    LanyardEndpoint lanyardEndpoint(LanyardStatus status, ObjectProvider<TrustGraph> graphs, LanyardAudit audit) {
      return new LanyardEndpoint(status, graphs::getIfUnique, audit.ring().orElse(null));
    }
  }

  /**
   * Spring Boot's {@code ssl} health indicator without the {@code lanyard} bundle, whose hour-long SVID it would always
   * list as expiring (its threshold is 14 days, for all bundles alike); the {@code lanyard} indicator reports the SVID.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({SslHealthIndicator.class, SslHealthIndicatorProperties.class, SslInfo.class})
  @ConditionalOnEnabledHealthIndicator("ssl")
  @EnableConfigurationProperties(SslHealthIndicatorProperties.class)
  static class SslHealthConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "sslHealthIndicator")
    SslHealthIndicator sslHealthIndicator(SslBundles bundles, SslHealthIndicatorProperties properties) {
      return new SslHealthIndicator(new SslInfo(new SslBundlesWithoutLanyard(bundles)),
          properties.getCertificateValidityWarningThreshold());
    }
  }

  /**
   * Outbound connections of clients that Spring Boot builds with the {@code lanyard} SSL bundle do not outlive the
   * X.509-SVID they were opened with (see {@link SvidBoundConnections}). Last, after the application's customizers.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ClientHttpRequestFactoryBuilderCustomizer.class)
  static class SvidBoundConnectionsConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "lanyardSvidBoundConnections")
    @Order(Ordered.LOWEST_PRECEDENCE)
    ClientHttpRequestFactoryBuilderCustomizer<ClientHttpRequestFactoryBuilder<?>> lanyardSvidBoundConnections() {
      return new SvidBoundConnections();
    }
  }

  /** The {@code lanyard} health indicator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  @ConditionalOnEnabledHealthIndicator("lanyard")
  static class HealthConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "lanyardHealthIndicator")
    HealthIndicator lanyardHealthIndicator(LanyardStatus status) {
      return new LanyardHealthIndicator(status);
    }
  }
}
