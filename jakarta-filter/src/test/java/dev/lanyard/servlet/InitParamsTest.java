package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.audit.AsyncAuditSink;
import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.Stderr;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Stderr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitParamsTest {
  private final Map<String, String> params = new HashMap<>(Map.of(
      LanyardFilter.TRUST_DOMAIN, "example.org",
      LanyardFilter.AUDIENCE, "spiffe://example.org/api",
      LanyardFilter.BUNDLE, "/etc/lanyard/bundle.json"));

  private FilterConfig config() {
    return new FilterConfig() {
      @Override
      public String getFilterName() {
        return "lanyard";
      }

      @Override
      public ServletContext getServletContext() {
        return null;
      }

      @Override
      public String getInitParameter(String name) {
        return params.get(name);
      }

      @Override
      public Enumeration<String> getInitParameterNames() {
        return Collections.enumeration(params.keySet());
      }
    };
  }

  @Test
  void settingsWhenOnlyRequiredParamsThenDefaultsOfInboundSettings() throws Exception {
    InboundSettings settings = InitParams.settings(config());

    assertThat(settings.trustDomain().name()).isEqualTo("example.org");
    assertThat(settings.maxTokenLifetime()).isEqualTo(InboundSettings.DEFAULT_MAX_TOKEN_LIFETIME);
    assertThat(settings.clockSkew()).isEqualTo(InboundSettings.DEFAULT_CLOCK_SKEW);
    assertThat(settings.bundle()).contains("/etc/lanyard/bundle.json");
  }

  @Test
  void settingsWhenParamsSetThenMappedStripped() throws Exception {
    params.put(LanyardFilter.MAX_TOKEN_LIFETIME, " 10m ");
    params.put(LanyardFilter.CLOCK_SKEW, "PT5M");
    params.put(LanyardFilter.ALLOW_UNNORMALIZED_PATHS, "TRUE");
    params.put(LanyardFilter.AUDIENCE, "  aud  ");

    InboundSettings settings = InitParams.settings(config());

    assertThat(settings.maxTokenLifetime()).isEqualTo(Duration.ofMinutes(10));
    assertThat(settings.clockSkew()).isEqualTo(Duration.ofMinutes(5));
    assertThat(settings.allowUnnormalizedPaths()).isTrue();
    assertThat(settings.audience()).isEqualTo("aud");
  }

  @Test
  void settingsWhenClockSkewTooLargeThenErrorNamesTheInitParamWithTheFiltersWording() {
    params.put(LanyardFilter.CLOCK_SKEW, "6m");

    assertThatThrownBy(() -> InitParams.settings(config()))
        .hasMessage("init-param 'clock-skew': must be at most 5m");
  }

  @Test
  void settingsWhenMaxTokenLifetimeTooLongThenErrorNamesTheInitParam() {
    params.put(LanyardFilter.MAX_TOKEN_LIFETIME, "25h");

    assertThatThrownBy(() -> InitParams.settings(config()))
        .hasMessage("init-param 'max-token-lifetime': must be more than 0 and at most 24h");
  }

  @Test
  void settingsWhenCleartextHttpBundleThenErrorNamesBundleValueAndTheOptIn() {
    params.put(LanyardFilter.BUNDLE, " http://bundles.example.org/b.json ");

    assertThatThrownBy(() -> InitParams.settings(config())).hasMessage("init-param 'bundle': "
        + "'http://bundles.example.org/b.json' is cleartext http: bundles must come over https (init-param "
        + "'allow-insecure-http-bundle' set to true allows http, for tests only)");
  }

  @Test
  void settingsWhenBundleMaxStalenessSetThenMapped() throws Exception {
    params.put(LanyardFilter.BUNDLE_MAX_STALENESS, " 5m ");

    assertThat(InitParams.settings(config()).bundleMaxStaleness()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void settingsWhenBundleMaxStalenessUnsetThenOneHour() throws Exception {
    assertThat(InitParams.settings(config()).bundleMaxStaleness()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void settingsWhenBundleMaxStalenessOutOfRangeThenErrorNamesTheInitParam() {
    params.put(LanyardFilter.BUNDLE_MAX_STALENESS, "8d");

    assertThatThrownBy(() -> InitParams.settings(config()))
        .hasMessage("init-param 'bundle-max-staleness': must be more than 0 and at most 7d");
  }

  @Test
  void settingsWhenBundleMaxStalenessNotADurationThenErrorNamesTheInitParam() {
    params.put(LanyardFilter.BUNDLE_MAX_STALENESS, "soon");

    assertThatThrownBy(() -> InitParams.settings(config()))
        .hasMessageStartingWith("init-param 'bundle-max-staleness': 'soon' is not a duration");
  }

  @Test
  void settingsWhenRequiredParamBlankThenErrorNamesIt() {
    params.put(LanyardFilter.AUDIENCE, " ");

    assertThatThrownBy(() -> InitParams.settings(config())).hasMessage("init-param 'audience': is required");
  }

  @Test
  void nameWhenAnySettingThenTheFiltersInitParam() {
    for (InboundSettings.Setting setting : InboundSettings.Setting.values()) {
      assertThat(InitParams.name(setting)).isNotBlank();
    }
    assertThat(InitParams.name(InboundSettings.Setting.ALLOW_INSECURE_HTTP_BUNDLE))
        .isEqualTo(LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE);
  }

  @Test
  void auditSinkWhenNotConfiguredThenSlf4jBehindTheAsyncQueue() throws Exception {
    AuditSink sink = InitParams.auditSink(config());

    assertThat(sink).isInstanceOf(AsyncAuditSink.class);
    ((AsyncAuditSink) sink).close();
  }

  @Test
  void auditSinkWhenAsyncFalseAndLevelInfoThenAllowedLoggedAtInfoOnTheCallingThread() throws Exception {
    params.put(LanyardFilter.AUDIT_ASYNC, " false ");
    params.put(LanyardFilter.AUDIT_ALLOWED_LEVEL, "info");
    AuditSink sink = InitParams.auditSink(config());

    String log = Stderr.captureStderr(() -> sink.record(AuditEvent.newBuilder(Instant.now(),
        AuditEvent.Decision.ALLOWED).request("GET", "/x").build()));

    assertThat(sink).isNotInstanceOf(AsyncAuditSink.class);
    assertThat(log.lines().filter(l -> l.contains(" lanyard.audit - "))).singleElement()
        .satisfies(l -> assertThat(l).contains(" INFO ").contains("\"decision\":\"ALLOWED\""));
  }

  @Test
  void auditSinkWhenLevelOrAsyncInvalidThenErrorNamesTheInitParam() {
    params.put(LanyardFilter.AUDIT_ALLOWED_LEVEL, "LOUD");
    assertThatThrownBy(() -> InitParams.auditSink(config())).hasMessage(
        "init-param 'audit-allowed-level': must be TRACE, DEBUG, INFO or OFF");
    params.put(LanyardFilter.AUDIT_ALLOWED_LEVEL, "OFF");
    params.put(LanyardFilter.AUDIT_ASYNC, "maybe");
    assertThatThrownBy(() -> InitParams.auditSink(config())).hasMessage(
        "init-param 'audit-async': must be true or false");
  }

  @Test
  void auditQueueSizeWhenSetThenParsedAndWhenInvalidThenErrorNamesTheInitParamEvenWithAsyncOff() throws Exception {
    assertThat(InitParams.auditQueueSize(config())).isEqualTo(8192);
    params.put(LanyardFilter.AUDIT_QUEUE_SIZE, " 16 ");
    assertThat(InitParams.auditQueueSize(config())).isEqualTo(16);
    params.put(LanyardFilter.AUDIT_QUEUE_SIZE, "1000000");
    assertThat(InitParams.auditQueueSize(config())).isEqualTo(1_000_000);
    for (String async : new String[] {"true", "false"}) {
      params.put(LanyardFilter.AUDIT_ASYNC, async);
      for (String bad : new String[] {"0", "-1", "lots", "1000001", "99999999999", "8k"}) {
        params.put(LanyardFilter.AUDIT_QUEUE_SIZE, bad);
        assertThatThrownBy(() -> InitParams.auditSink(config())).isInstanceOf(InitParams.InitParamException.class)
            .hasMessage("init-param 'audit-queue-size': must be a whole number between 1 and 1000000");
      }
    }
  }

  @Test
  void auditSinkWhenQueueSizeTwoAndTheLoggerBlockedThenEventsBeyondTheQueueAreDroppedAndCounted() throws Exception {
    params.put(LanyardFilter.AUDIT_QUEUE_SIZE, "2");
    AsyncAuditSink sink = (AsyncAuditSink) InitParams.auditSink(config());
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    PrintStream original = System.err;
    // slf4j-simple writes on System.err, a line at a time: the delivery thread hangs on this test's first event, like
    // a log appender that stalls (other filters' audit threads, named alike, pass).
    String stall = "/stall-" + System.nanoTime();
    System.setErr(new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        if (new String(b, off, len, StandardCharsets.UTF_8).contains(stall)) {
          stalled.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        original.write(b, off, len);
      }
    }, true, StandardCharsets.UTF_8));
    // The first drop is warned about on the recording thread, through slf4j-simple, which waits for the stalled
    // line: that recording runs on its own thread, and the rest (not warned about again within the minute) here.
    Thread first = new Thread(() -> {
      sink.record(AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.DENIED).request("GET", stall).build());
      try {
        stalled.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (int i = 1; i <= 3; i++) {
        sink.record(AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.DENIED).request("GET", "/" + i).build());
      }
    }, "first-recorder");
    try {
      first.start();
      assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
      Await.until("the fourth event dropped", () -> sink.dropped() == 1, Duration.ofSeconds(10));
      for (int i = 4; i < 10; i++) {
        sink.record(AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.DENIED).request("GET", "/" + i).build());
      }
      // The delivery thread hangs on the first event and the queue holds the next two: the other seven are dropped.
      assertThat(sink.dropped()).isEqualTo(7);
    } finally {
      release.countDown();
      first.join(10_000);
      System.setErr(original);
      sink.close();
    }
  }

  @Test
  void trustGraphMaxEdgesWhenSetThenParsedAndWhenInvalidThenErrorNamesTheInitParam() throws Exception {
    assertThat(InitParams.trustGraphMaxEdges(config())).isNull();
    params.put(LanyardFilter.TRUST_GRAPH_MAX_EDGES, " 500 ");
    assertThat(InitParams.trustGraphMaxEdges(config())).isEqualTo(500);
    for (String bad : new String[] {"0", "-1", "ten", "99999999999"}) {
      params.put(LanyardFilter.TRUST_GRAPH_MAX_EDGES, bad);
      assertThatThrownBy(() -> InitParams.trustGraphMaxEdges(config())).hasMessage(
          "init-param 'trust-graph-max-edges': must be a positive whole number");
    }
  }

  @Test
  void engineWhenFilterStartsInTomcatThenOneInfoLineNamesTrustPolicyAndAudienceButNoKey(@TempDir Path dir)
      throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"),
        "GET /whoami spiffe://example.org/orders\nGET /health public\n");
    TomcatServer.Builder tomcat = TomcatServer.newBuilder(dir.resolve("tomcat"))
        .initParam(LanyardFilter.TRUST_DOMAIN, "example.org")
        .initParam(LanyardFilter.AUDIENCE, "spiffe://example.org/payments")
        .initParam(LanyardFilter.BUNDLE, bundle.toString())
        .initParam(LanyardFilter.POLICY, policy.toString());
    String[] log = new String[1];
    log[0] = Stderr.captureStderr(() -> {
      try (TomcatServer running = tomcat.start()) {
        assertThat(running.contextAvailable()).as(running.startupErrors()).isTrue();
      }
    });

    List<String> lines = log[0].lines().filter(line -> line.contains("Lanyard filter")).toList();
    String keyId = authority.bundle().jwtKeys().get(0).keyId();
    assertThat(lines).singleElement().satisfies(line -> assertThat(line)
        .contains("INFO dev.lanyard.servlet.LanyardFilter")
        .contains("Lanyard filter '" + TomcatServer.FILTER_NAME + "' started")
        .contains("trust example.org from file " + bundle)
        .contains("JWT keys [" + keyId + "]")
        .contains("X.509 roots 1")
        .contains("sequence " + authority.bundle().sequence().getAsLong())
        .contains("policy " + policy + " (2 rules)")
        .contains("audience spiffe://example.org/payments"));
    assertThat(log[0]).doesNotContain("\"x\":").doesNotContain("BEGIN");
  }
}
