package dev.lanyard.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tests {@link AuditSink}: the SLF4J sink writes each event as one JSON line on logger {@code lanyard.audit}
 * (slf4j-simple on the test classpath writes to {@code System.err}).
 */
class AuditSinkTest {
  private static final String AUDIT_PREFIX = " lanyard.audit - ";

  @Test
  void slf4jWhenPathForgesALineThenOneJsonLineOnLoggerLanyardAudit() throws Exception {
    String forged = "/x\ndecision=ALLOWED caller=spiffe://example.org/ops";
    AuditEvent rejected = AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.REJECTED)
        .request("GET", forged).reason("EXPIRED").build();
    AuditEvent unavailable = AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.UNAVAILABLE)
        .request("GET", "/y\u2028\"}{").reason("BUNDLE_UNAVAILABLE").build();

    String log = captureStderr(() -> {
      AuditSink sink = AuditSink.slf4j();
      sink.record(rejected);
      sink.record(unavailable);
    });

    // Other writers of stderr in this JVM (Jazzer's agent, when the fuzz tests ran first) may add lines of their own;
    // every line the sink wrote names its logger, and no audit text may appear outside those lines.
    List<String> lines = log.lines().filter(l -> l.contains(AUDIT_PREFIX)).toList();
    assertThat(lines).hasSize(2);
    assertThat(log.lines().filter(l -> !l.contains(AUDIT_PREFIX)))
        .noneMatch(l -> l.contains("decision") || l.contains("ALLOWED") || l.contains("BUNDLE_UNAVAILABLE"));
    assertThat(lines.get(0)).contains(" INFO ");
    assertThat(lines.get(1)).contains(" WARN ");
    List<Map<String, Object>> events = new ArrayList<>();
    for (String line : lines) {
      events.add(AuditEventTest.parseOneLine(line.substring(line.indexOf(AUDIT_PREFIX) + AUDIT_PREFIX.length())));
    }
    assertThat(events.get(0)).containsEntry("decision", "REJECTED").containsEntry("path", forged)
        .containsEntry("reason", "EXPIRED").doesNotContainKey("caller");
    assertThat(events.get(1)).containsEntry("decision", "UNAVAILABLE").containsEntry("path", "/y\u2028\"}{");
  }

  @Test
  void slf4jWhenAuthorityEventThenOneInfoJsonLine() throws Exception {
    AuthorityEvent minted = AuthorityEvent.newBuilder(Instant.now(), AuthorityEvent.Kind.KEY_ACTIVATED, "example.org")
        .keyId("k2").build();

    String log = captureStderr(() -> AuditSink.slf4j().recordAuthority(minted));

    List<String> lines = log.lines().filter(l -> l.contains(AUDIT_PREFIX)).toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains(" INFO ");
    assertThat(AuditEventTest.parseOneLine(lines.get(0).substring(lines.get(0).indexOf(AUDIT_PREFIX)
        + AUDIT_PREFIX.length()))).containsEntry("event", "key_activated").containsEntry("keyId", "k2");
  }

  @Test
  void andThenWhenBothKindsRecordedThenEachSinkGetsEachEventInOrder() {
    List<Object> first = new ArrayList<>();
    List<Object> second = new ArrayList<>();
    AuditSink a = new AuditSink() {
      @Override
      public void record(AuditEvent event) {
        first.add(event);
      }

      @Override
      public void recordAuthority(AuthorityEvent event) {
        first.add(event);
      }
    };
    AuditSink b = second::add;
    AuditEvent decision = AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.ALLOWED).build();
    AuthorityEvent change = AuthorityEvent.newBuilder(Instant.now(), AuthorityEvent.Kind.REVOKED, "example.org")
        .build();

    AuditSink both = a.andThen(b);
    both.record(decision);
    both.recordAuthority(change);

    assertThat(first).containsExactly(decision, change);
    assertThat(second).as("a request-only sink ignores authority events").containsExactly(decision);
  }

  @Test
  void slf4jWhenAllowedLevelInfoThenAllowedAndPublicAtInfoAndRefusalsUnchanged() {
    AuditEvent allowed = AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.ALLOWED).request("GET", "/a").build();
    AuditEvent open = AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.PUBLIC).request("GET", "/p").build();
    AuditEvent denied = AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.DENIED).request("GET", "/d").build();

    String log = captureStderr(() -> {
      AuditSink sink = AuditSink.slf4j("info");
      sink.record(allowed);
      sink.record(open);
      sink.record(denied);
    });

    List<String> lines = log.lines().filter(l -> l.contains(AUDIT_PREFIX)).toList();
    assertThat(lines).hasSize(3).allMatch(l -> l.contains(" INFO "));
    assertThat(lines.get(0)).contains("\"decision\":\"ALLOWED\"");
    assertThat(lines.get(1)).contains("\"decision\":\"PUBLIC\"");
  }

  @Test
  void slf4jWhenAllowedLevelOffOrDebugThenAllowedNotLoggedAtInfoButRefusalsAre() {
    AuditEvent allowed = AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.ALLOWED).build();
    AuditEvent rejected = AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.REJECTED).build();

    String log = captureStderr(() -> {
      for (String level : List.of("OFF", "DEBUG", "TRACE")) {
        AuditSink sink = AuditSink.slf4j(level);
        sink.record(allowed);
        sink.record(rejected);
      }
    });

    List<String> lines = log.lines().filter(l -> l.contains(AUDIT_PREFIX)).toList();
    assertThat(lines).as("slf4j-simple logs INFO and above here").hasSize(3)
        .allMatch(l -> l.contains("\"decision\":\"REJECTED\""));
  }

  @Test
  void slf4jWhenAllowedLevelUnknownThenRejectedNamingTheChoicesAndNoControlCharacters() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AuditSink.slf4j("WARN\nforged"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the audit level of allowed decisions must be one of [TRACE, DEBUG, INFO, OFF], not 'WARN?forged'");
  }

  static String captureStderr(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
