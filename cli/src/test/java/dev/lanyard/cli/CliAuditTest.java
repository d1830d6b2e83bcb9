package dev.lanyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.testing.SecretFragments;
import dev.lanyard.testing.Stderr;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail of the commands that change an authority or issue with it ({@link CliAudit}, {@link AuditOptions}):
 * each command's authority events, with kind, subject and key id matching what the command printed; stdout unchanged
 * (the command's JSON or token only); the events on stderr (logger {@code lanyard.audit}) and, with
 * {@code --audit-log}, appended to an owner-only file that several processes share; a file that cannot be trusted
 * refused before anything changes; no token or key text anywhere in the trail. Real authorities on disk, real keys,
 * and real processes for what processes share.
 */
class CliAuditTest {
  static final String TD = "example.org";
  static final String SUBJECT = "spiffe://example.org/orders";
  static final String AUDIENCE = "spiffe://example.org/payments";

  @TempDir
  Path tmp;

  /** The exit code and what a command printed on its own writers. */
  record Result(int code, String out, String err) {
    Map<String, Object> json() {
      assertThat(out.strip()).as("stdout is one line").doesNotContain("\n");
      return parse(out);
    }
  }

  static Result run(Clock clock, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Lanyard.run(args, new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err),
        clock);
    return new Result(code, out.toString(), err.toString());
  }

  static Result run(String... args) {
    return run(Clock.systemUTC(), args);
  }

  static Result ok(String... args) {
    Result r = run(args);
    assertThat(r.code()).as(r.err()).isZero();
    return r;
  }

  static Map<String, Object> parse(String json) {
    try {
      return JSONObjectUtils.parse(json.strip());
    } catch (ParseException e) {
      throw new AssertionError("not a JSON object: " + json, e);
    }
  }

  /** Every line of the audit log, each parsed as one JSON object. */
  static List<Map<String, Object>> events(Path log) throws IOException {
    String text = Files.readString(log, StandardCharsets.US_ASCII);
    assertThat(text).as("the audit log ends with a line break").endsWith("\n");
    return text.lines().map(CliAuditTest::parse).collect(Collectors.toList());
  }

  static List<Object> kinds(List<Map<String, Object>> events) {
    return events.stream().map(e -> e.get("event")).collect(Collectors.toList());
  }

  Path authority() {
    return tmp.resolve("authority");
  }

  Path log() {
    return tmp.resolve("audit.log");
  }

  /** {@code authority init} into {@link #authority()}, returning its JSON. */
  Map<String, Object> init(Clock clock, String... extra) {
    List<String> args = new ArrayList<>(List.of("authority", "init", "--trust-domain", TD, "--dir",
        authority().toString()));
    args.addAll(List.of(extra));
    Result r = run(clock, args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return r.json();
  }

  @SuppressWarnings("unchecked")
  static String firstKeyId(Map<String, Object> initOrRotate) {
    return (String) ((List<Map<String, Object>>) initOrRotate.get("keys")).get(0).get("keyId");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> member(Map<String, Object> json, String name) {
    return (Map<String, Object>) json.get(name);
  }

  static Map<String, Object> part(String token, int index) {
    return parse(new String(java.util.Base64.getUrlDecoder().decode(token.split("\\.")[index]),
        StandardCharsets.UTF_8));
  }

  @Test
  void initWhenAuditLogThenKeyAndCaActivatedWithThePrintedIdsInAnOwnerOnlyFile() throws Exception {
    Map<String, Object> out = init(Clock.systemUTC(), "--audit-log", log().toString());

    assertThat(out).containsOnlyKeys("trustDomain", "dir", "jwtAlgorithm", "keys", "caKeyType", "x509Ca");
    List<Map<String, Object>> events = events(log());
    assertThat(kinds(events)).containsExactly("key_activated", "ca_activated");
    assertThat(events.get(0)).containsEntry("trustDomain", TD).containsEntry("keyId", firstKeyId(out))
        .containsEntry("detail", "generated and signing at once").doesNotContainKey("subject");
    assertThat(events.get(1)).containsEntry("trustDomain", TD).containsEntry("keyId", member(out, "x509Ca").get("id"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log()))).isEqualTo("rw-------");
  }

  @Test
  void rotateWhenRunTwiceThenPreparedThenActivatedForJwtKeyAndCaWithThePrintedIds() throws Exception {
    Map<String, Object> created = init(Clock.systemUTC());
    String firstKey = firstKeyId(created);

    Map<String, Object> prepared = ok("authority", "rotate", "--dir", authority().toString(), "--audit-log",
        log().toString()).json();
    Map<String, Object> activated = ok("authority", "rotate", "--dir", authority().toString(), "--audit-log",
        log().toString()).json();

    assertThat(prepared).containsOnlyKeys("action", "key", "keys", "x509").containsEntry("action", "prepared");
    assertThat(activated).containsEntry("action", "activated");
    String nextKey = (String) member(prepared, "key").get("keyId");
    Object nextCa = member(member(prepared, "x509"), "ca").get("id");
    List<Map<String, Object>> events = events(log());
    assertThat(kinds(events)).containsExactly("key_prepared", "ca_prepared", "key_activated", "ca_activated");
    assertThat(events.get(0)).containsEntry("keyId", nextKey);
    assertThat(events.get(1)).containsEntry("keyId", nextCa);
    assertThat(events.get(2)).containsEntry("keyId", nextKey)
        .hasEntrySatisfying("detail", d -> assertThat((String) d).contains("replaces " + firstKey));
    assertThat(events.get(3)).containsEntry("keyId", nextCa).containsEntry("keyId",
        member(member(activated, "x509"), "ca").get("id"));
  }

  @Test
  void mintWhenAuditLogThenOneMintedEventWithSubjectAudienceScopesTtlKeyIdAndTokenIdAndStdoutOnlyTheToken()
      throws Exception {
    init(Clock.systemUTC());

    Result r = ok("jwt", "mint", "--authority", authority().toString(), "--spiffe-id", SUBJECT, "--audience",
        AUDIENCE, "--scope", "payments:charge payments:refund", "--ttl", "2m", "--audit-log", log().toString());

    String token = r.out().strip();
    assertThat(r.out()).isEqualTo(token + System.lineSeparator());
    assertThat(token.split("\\.")).hasSize(3);
    List<Map<String, Object>> events = events(log());
    assertThat(events).hasSize(1);
    assertThat(events.get(0)).containsEntry("event", "jwt_svid_minted").containsEntry("trustDomain", TD)
        .containsEntry("subject", SUBJECT).containsEntry("audience", List.of(AUDIENCE))
        .containsEntry("scopes", List.of("payments:charge", "payments:refund")).containsEntry("ttlSeconds", 120L)
        .containsEntry("keyId", part(token, 0).get("kid")).containsEntry("credentialId", part(token, 1).get("jti"));
  }

  @Test
  void issueWhenAuditLogThenIssuedEventWithSubjectCaIdAndThePrintedSerial() throws Exception {
    Map<String, Object> created = init(Clock.systemUTC());

    Map<String, Object> summary = ok("x509", "issue", "--authority", authority().toString(), "--spiffe-id",
        SUBJECT, "--ttl", "30m", "--dns", "orders.internal", "--out", tmp.resolve("svid").toString(),
        "--audit-log", log().toString()).json();

    assertThat(summary).containsEntry("spiffeId", SUBJECT);
    List<Map<String, Object>> events = events(log());
    assertThat(events).hasSize(1);
    assertThat(events.get(0)).containsEntry("event", "x509_svid_issued").containsEntry("subject", SUBJECT)
        .containsEntry("ttlSeconds", 1800L).containsEntry("keyId", member(created, "x509Ca").get("id"))
        .containsEntry("credentialId", summary.get("serial"))
        .hasEntrySatisfying("detail", d -> assertThat((String) d).contains("orders.internal"));
  }

  @Test
  void bundleWhenOpeningPreparesTheNextKeyThenThePreparationIsAuditedAndStdoutIsTheBundle() throws Exception {
    MutableClock past = MutableClock.systemUtc();
    past.advance(Duration.ofHours(-13));
    String firstKey = firstKeyId(init(past));

    Result r = ok("authority", "bundle", "--dir", authority().toString(), "--audit-log", log().toString());

    assertThat(parse(r.out())).containsKey("keys");
    List<Map<String, Object>> events = events(log());
    assertThat(kinds(events)).containsExactly("key_prepared");
    assertThat(events.get(0).get("keyId")).isNotEqualTo(firstKey);
    assertThat(r.out()).contains((String) events.get(0).get("keyId"));
  }

  @Test
  void serveWhenOpeningPreparesTheNextKeyThenThePreparationIsAuditedAndServeStopsWithZero() throws Exception {
    MutableClock past = MutableClock.systemUtc();
    past.advance(Duration.ofHours(-13));
    init(past);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    String[] args = {"authority", "serve", "--dir", authority().toString(), "--port", "0", "--insecure-http",
        "--audit-log", log().toString()};
    Thread serve = new Thread(() -> code.set(Lanyard.run(args, new ByteArrayInputStream(new byte[0]),
        new PrintWriter(out), new PrintWriter(err), Clock.systemUTC())), "serve-under-test");
    serve.start();
    try {
      Await.until("serve printed its URL", () -> out.toString().contains("\n") || code.get() >= 0,
          Duration.ofSeconds(20));
      assertThat(code.get()).as(err.toString()).isEqualTo(-1);
      assertThat(parse(out.toString())).containsKeys("url", "bundle", "trustDomain");
      assertThat(kinds(events(log()))).containsExactly("key_prepared");
    } finally {
      serve.interrupt();
      serve.join(10_000);
    }
    assertThat(serve.isAlive()).isFalse();
    assertThat(code.get()).isZero();
  }

  @Test
  void auditLogWhenItExistsThenLinesAreAppendedAndItsModeKept() throws Exception {
    init(Clock.systemUTC(), "--audit-log", log().toString());
    Files.setPosixFilePermissions(log(), PosixFilePermissions.fromString("rw-r-----"));

    ok("jwt", "mint", "--authority", authority().toString(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE,
        "--audit-log", log().toString());

    assertThat(kinds(events(log()))).containsExactly("key_activated", "ca_activated", "jwt_svid_minted");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log()))).isEqualTo("rw-r-----");
  }

  @Test
  void auditLogWhenGroupWritableThenUsageErrorNamingItAndNothingMinted() throws Exception {
    init(Clock.systemUTC());
    Files.writeString(log(), "");
    Files.setPosixFilePermissions(log(), PosixFilePermissions.fromString("rw-rw----"));

    Result r = run("jwt", "mint", "--authority", authority().toString(), "--spiffe-id", SUBJECT, "--audience",
        AUDIENCE, "--audit-log", log().toString());

    assertThat(r.code()).isEqualTo(Lanyard.USAGE);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("--audit-log " + log()).contains("writable by group or others");
    assertThat(Files.readString(log())).isEmpty();
  }

  @Test
  void auditLogWhenSymbolicLinkThenUsageErrorAndTheTargetUntouched() throws Exception {
    init(Clock.systemUTC());
    Path target = Files.writeString(tmp.resolve("target.txt"), "keep\n");
    Files.createSymbolicLink(log(), target);

    Result r = run("authority", "rotate", "--dir", authority().toString(), "--audit-log", log().toString());

    assertThat(r.code()).isEqualTo(Lanyard.USAGE);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("--audit-log " + log()).contains("symbolic link");
    assertThat(Files.readString(target)).isEqualTo("keep\n");
    Map<String, Object> rotated = ok("authority", "rotate", "--dir", authority().toString()).json();
    assertThat(rotated).as("the refused rotation changed nothing").containsEntry("action", "prepared");
  }

  @Test
  void auditLogWhenItsDirectoryIsMissingOrItIsADirectoryThenUsageErrorNamingIt() {
    init(Clock.systemUTC());

    Result missing = run("authority", "rotate", "--dir", authority().toString(), "--audit-log",
        tmp.resolve("no/such/audit.log").toString());
    Result directory = run("authority", "rotate", "--dir", authority().toString(), "--audit-log", tmp.toString());

    assertThat(missing.code()).isEqualTo(Lanyard.USAGE);
    assertThat(missing.err()).contains("--audit-log").contains("its directory does not exist");
    assertThat(directory.code()).isEqualTo(Lanyard.USAGE);
    assertThat(directory.err()).contains("--audit-log " + tmp).contains("is a directory");
  }

  @Test
  void withoutAuditLogThenEventsGoToLoggerLanyardAuditOnStderrAndNoFileIsWritten() throws Exception {
    init(Clock.systemUTC());
    Result[] mint = new Result[1];

    String stderr = Stderr.captureStderr(() -> mint[0] = ok("jwt", "mint", "--authority", authority().toString(),
        "--spiffe-id", SUBJECT, "--audience", AUDIENCE));

    String token = mint[0].out().strip();
    List<String> lines = stderr.lines().filter(l -> l.contains("lanyard.audit")).collect(Collectors.toList());
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).startsWith("INFO lanyard.audit - {");
    assertThat(parse(lines.get(0).substring(lines.get(0).indexOf('{'))))
        .containsEntry("event", "jwt_svid_minted").containsEntry("subject", SUBJECT)
        .containsEntry("credentialId", part(token, 1).get("jti"));
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("authority");
    }
  }

  @Test
  void everyOperationWhenAuditedThenNoTokenOrKeyTextInTheAuditLogOrOnStderr() throws Exception {
    SecretFragments secrets = new SecretFragments();
    StringBuilder outputs = new StringBuilder();
    String stderr = Stderr.captureStderr(() -> {
      String log = log().toString();
      init(Clock.systemUTC(), "--audit-log", log);
      for (String[] args : List.of(
          new String[] {"authority", "rotate", "--dir", authority().toString(), "--audit-log", log},
          new String[] {"authority", "rotate", "--dir", authority().toString(), "--audit-log", log},
          new String[] {"x509", "issue", "--authority", authority().toString(), "--spiffe-id", SUBJECT, "--out",
              tmp.resolve("svid").toString(), "--audit-log", log},
          new String[] {"authority", "bundle", "--dir", authority().toString(), "--audit-log", log})) {
        outputs.append(ok(args).err());
      }
      for (int i = 0; i < 3; i++) {
        Result mint = ok("jwt", "mint", "--authority", authority().toString(), "--spiffe-id", SUBJECT,
            "--audience", AUDIENCE, "--scope", "payments:charge", "--audit-log", log);
        secrets.token(mint.out().strip());
        outputs.append(mint.err());
      }
    });
    List<Path> keyFiles;
    try (Stream<Path> files = Files.walk(tmp)) {
      keyFiles = files.filter(p -> p.toString().endsWith(".pem")).collect(Collectors.toList());
    }
    int keys = 0;
    for (Path file : keyFiles) {
      keys += secrets.pem(Files.readString(file));
    }

    assertThat(keys).as("the authority's keys (2 JWT, 2 CA) and the SVID's key").isEqualTo(5);
    assertThat(secrets.count()).isEqualTo(8);
    String log = Files.readString(log());
    assertThat(kinds(events(log()))).hasSize(10).containsOnlyOnce("x509_svid_issued");
    secrets.assertAbsentFrom("the audit log", log);
    secrets.assertAbsentFrom("stderr", stderr);
    secrets.assertAbsentFrom("the commands' error output", outputs.toString());
    assertThat(stderr).contains("INFO lanyard.audit - {\"time\"");
  }

  @Test
  void auditLogWhenSeveralProcessesShareItThenEachEventIsOneWholeLineAndStdoutIsOnlyEachCommandsOutput()
      throws Exception {
    init(Clock.systemUTC());
    String log = log().toString();
    List<List<String>> commands = List.of(
        List.of("jwt", "mint", "--authority", authority().toString(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE,
            "--audit-log", log),
        List.of("jwt", "mint", "--authority", authority().toString(), "--spiffe-id", SUBJECT, "--audience", AUDIENCE,
            "--audit-log", log),
        List.of("authority", "rotate", "--dir", authority().toString(), "--audit-log", log));
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < commands.size(); i++) {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
          .toString(), "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1",
          Lanyard.class.getName()));
      command.addAll(commands.get(i));
      processes.add(new ProcessBuilder(command).redirectOutput(tmp.resolve("out-" + i).toFile())
          .redirectError(tmp.resolve("err-" + i).toFile()).start());
    }
    for (Process process : processes) {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isZero();
    }

    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String out = Files.readString(tmp.resolve("out-" + i));
      assertThat(out.strip().split("\\.")).hasSize(3);
      assertThat(out).doesNotContain("lanyard.audit").doesNotContain("{");
      tokens.add(out.strip());
      assertThat(Files.readString(tmp.resolve("err-" + i)).lines())
          .filteredOn(l -> l.contains("lanyard.audit")).singleElement()
          .satisfies(l -> assertThat(l).startsWith("INFO lanyard.audit - {").contains("\"jwt_svid_minted\"")
              .contains(String.valueOf(part(tokens.get(tokens.size() - 1), 1).get("jti"))));
    }
    Map<String, Object> rotated = parse(Files.readString(tmp.resolve("out-2")));
    assertThat(rotated).containsEntry("action", "prepared");
    assertThat(Files.readString(tmp.resolve("err-2")).lines().filter(l -> l.contains("lanyard.audit")).count())
        .isEqualTo(2);

    List<Map<String, Object>> events = events(log());
    assertThat(kinds(events)).containsExactlyInAnyOrder("jwt_svid_minted", "jwt_svid_minted", "key_prepared",
        "ca_prepared");
    assertThat(events).filteredOn(e -> "jwt_svid_minted".equals(e.get("event")))
        .extracting(e -> e.get("credentialId"))
        .containsExactlyInAnyOrder(part(tokens.get(0), 1).get("jti"), part(tokens.get(1), 1).get("jti"));
  }
}
