package dev.lanyard.examples.demo;

import dev.lanyard.audit.AuditRing;
import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.AuthorityKey;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * The story {@code ./demo.sh} tells, with real services: one embedded authority shared through a directory (the
 * fleet mode), {@code orders} (Spring Boot), {@code payments} (embedded Tomcat with {@code LanyardFilter}) and
 * {@code ledger} (Spring Boot with Spring Security) as three separate JVMs on free loopback ports, then
 * <ol>
 *   <li>identities and mutual TLS,</li>
 *   <li>an allowed call end to end and the denied ones,</li>
 *   <li>JWT key and CA rotation with X.509 renewal while calls flow,</li>
 *   <li>revocation of one identity,</li>
 *   <li>the audit trail of the run (each service's decisions, the authority's issuance and trust-chain events), the
 *       trust graph of each service merged into the estate map with the {@code lanyard} CLI, and the CLI's
 *       least-privilege review of each service's policy against what was observed.</li>
 * </ol>
 * Exits 0 when every step behaved as expected, 1 naming the failed steps otherwise, 2 on a usage error; every process
 * it started is stopped on the way out, also on failure or Ctrl-C.
 *
 * <p>Usage: {@code DemoStory [examples-dir]} (default {@code examples}); the CLI is run as {@code java -jar
 * <examples-dir>/../cli/target/lanyard.jar}, as a user would. Not thread-safe: one run per JVM.
 */
public final class DemoStory {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  /** The driver's own identity, for its TLS probes of the ledger. */
  static final SpiffeId DEMO = SpiffeId.parse("spiffe://example.org/demo");
  /** The operators' identity: the only caller the services' policies let read their trust graph and audit trail. */
  static final SpiffeId OPS = SpiffeId.parse("spiffe://example.org/ops");
  /** Shortens SPIFFE IDs in the story's lines. */
  static final String TD_PREFIX = "spiffe://example.org/";
  /** Short X.509-SVIDs so that renewal happens during the story (renewed at about half their life). */
  static final Duration X509_TTL = Duration.ofSeconds(30);
  static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

  private final Steps steps = new Steps(System.out);
  private final ShiftableClock clock = new ShiftableClock();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Path examples;
  private final Path work;
  private final Path cliJar;
  private final Services services;
  /** The driver's authority instance records its issuance and trust-chain changes here (step 5 shows them). */
  private final AuditRing authorityTrail = AuditRing.create();
  /** Calls to payments' {@code POST /charge} as orders that payments' policy allowed (its graph must count them). */
  private final AtomicInteger chargesPassed = new AtomicInteger();
  /** Of those, the ones the ledger recorded ({@code POST /entries} as payments, allowed). */
  private final AtomicInteger entriesRecorded = new AtomicInteger();
  /** Reads of the ledger ({@code GET /entries}) as orders that succeeded. */
  private int ledgerReads;
  /** JWT-SVIDs this driver minted (each must be in the authority's audit trail). */
  private int driverMints;
  private String preparedKeyId = "";
  private String preparedCaId = "";
  private @Nullable EmbeddedAuthority authority;
  private @Nullable RotatingX509SvidSource demoSvid;
  private int ordersPort;
  private int paymentsPort;
  private int ledgerPort;

  private DemoStory(Path examples, Path work) {
    this.examples = examples;
    this.work = work;
    this.cliJar = examples.resolveSibling("cli").resolve("target").resolve("lanyard.jar");
    this.services = new Services(examples, work);
  }

  /** Runs the story; see the class comment. */
  public static void main(String[] args) throws Exception {
    Path examples = Path.of(args.length > 0 ? args[0] : "examples").toAbsolutePath().normalize();
    if (!Files.isDirectory(examples.resolve("orders"))) {
      System.err.println("usage: DemoStory [examples-dir]: " + examples + " holds no orders example");
      System.exit(2);
    }
    Path work = Files.createTempDirectory("lanyard-demo");
    DemoStory story = new DemoStory(examples, work);
    AtomicBoolean stopped = new AtomicBoolean();
    Thread cleanup = new Thread(() -> {
      if (stopped.compareAndSet(false, true)) {
        story.services.stopAll();
      }
    }, "demo-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    int exit;
    long started = System.nanoTime();
    try {
      exit = story.run();
    } catch (Exception | AssertionError e) {
      story.steps.fail("the story stopped: " + e);
      exit = 1;
    }
    if (stopped.compareAndSet(false, true)) {
      story.services.stopAll();
    }
    System.out.println();
    System.out.println("   (the story took " + elapsed(started) + "; services stopped; logs, audit files and graphs kept"
        + " in " + work + ")");
    System.exit(exit);
  }

  private int run() throws Exception {
    if (startServices()) {
      identitiesAndMutualTls();
      allowedAndDeniedCalls();
      rotationUnderLoad();
      revocation();
      auditTrail();
      trustGraphAndLeastPrivilegeReview();
    }
    System.out.println();
    System.out.println(steps.verdict());
    return steps.exitCode();
  }

  private EmbeddedAuthority authority() {
    EmbeddedAuthority a = authority;
    if (a == null) {
      throw new IllegalStateException("no authority yet");
    }
    return a;
  }

  // ------------------------------------------------------------------------------------------------ start-up

  private boolean startServices() throws Exception {
    steps.begin("0. Starting the fleet: one shared authority, three services, three JVMs");
    Path dir = work.resolve("authority");
    // Created here, as an operator would with `lanyard authority init`; each service opens the same directory with
    // EmbeddedAuthority.Builder.buildOrOpen() (the starter's lanyard.authority.dir) and sees changes within 2 s.
    authority = EmbeddedAuthority.newBuilder(TD).directory(dir).defaultX509SvidTtl(X509_TTL).clock(clock)
        .auditSink(authorityTrail).buildOrOpen();
    steps.say("authority for " + TD.name() + " in " + dir + " (JWT-SVIDs live "
        + human(authority().defaultJwtSvidTtl()) + ", X.509-SVIDs " + human(authority().defaultX509SvidTtl())
        + ", short for the demo)");
    ordersPort = freePort();
    paymentsPort = freePort();
    ledgerPort = freePort();
    String authorityDir = "--lanyard.authority.dir=" + dir;
    services.start("ledger", "ledger", "dev.lanyard.examples.ledger.LedgerApplication",
        List.of(audit("ledger")), List.of("--server.port=" + ledgerPort, authorityDir));
    services.start("payments", "payments", "dev.lanyard.examples.payments.PaymentsServer",
        List.of(audit("payments"), "-Dpayments.port=" + paymentsPort,
            "-Dpayments.ledger-url=https://127.0.0.1:" + ledgerPort,
            "-Dpayments.work-dir=" + Files.createDirectories(work.resolve("payments")),
            "-Dlanyard.authority.dir=" + dir),
        List.of());
    services.start("orders", "orders", "dev.lanyard.examples.orders.OrdersApplication",
        List.of(audit("orders")), List.of("--server.port=" + ordersPort, authorityDir,
            "--orders.payments-url=http://127.0.0.1:" + paymentsPort,
            "--orders.ledger-url=https://127.0.0.1:" + ledgerPort));
    demoSvid = RotatingX509SvidSource.newBuilder(authority(), DEMO).build();
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    boolean ready = awaitReady("ledger", () -> ledgerGet("/ready").statusCode(), deadline)
        & awaitReady("payments", () -> get(paymentsUrl("/ready")).statusCode(), deadline)
        & awaitReady("orders", () -> get(ordersUrl("/ready")).statusCode(), deadline);
    return ready;
  }

  private String audit(String service) {
    return "-DLANYARD_AUDIT_FILE=" + work.resolve("audit-" + service + ".jsonl");
  }

  /** A status probe that may fail while the service starts. */
  interface Probe {
    int status() throws Exception;
  }

  private boolean awaitReady(String name, Probe probe, Instant deadline) throws InterruptedException {
    long started = System.nanoTime();
    while (Instant.now().isBefore(deadline)) {
      try {
        if (probe.status() == 200) {
          steps.check(name + " is up (" + (System.nanoTime() - started) / 1_000_000 + " ms more)", true);
          return true;
        }
      } catch (Exception e) {
        // not listening yet
      }
      if (!services.isRunning(name)) {
        steps.fail(name + " exited while starting; its last lines:\n" + services.tail(name, 25));
        return false;
      }
      Thread.sleep(250);
    }
    steps.fail(name + " not ready within " + human(STARTUP_TIMEOUT) + "; its last lines:\n" + services.tail(name, 25));
    return false;
  }

  // --------------------------------------------------------------------------------------------------- step 1

  private void identitiesAndMutualTls() throws Exception {
    steps.begin("1. Identities and mutual TLS");
    steps.say("orders    " + ORDERS + "    http://127.0.0.1:" + ordersPort + "   Spring Boot + starter");
    steps.say("payments  " + PAYMENTS + "  http://127.0.0.1:" + paymentsPort + "   Tomcat 11 + LanyardFilter");
    steps.say("ledger    " + LEDGER + "    https://127.0.0.1:" + ledgerPort + "  Spring Boot + Spring Security, mTLS");
    HttpResponse<String> probe = ledgerGet("/ready");
    X509Certificate cert = peerCertificate(probe);
    steps.say("ledger presents its X.509-SVID " + spiffeId(cert) + " (serial " + shortSerial(cert) + ", valid "
        + human(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant())) + " incl. skew)");
    steps.check("ledger's TLS certificate is its X.509-SVID", LEDGER.toString().equals(spiffeId(cert)));
    HttpResponse<String> read = get(ordersUrl("/orders/ledger"));
    countLedgerRead(read);
    steps.say("orders -> ledger over mutual TLS: " + read.statusCode() + " \"" + read.body() + "\"");
    steps.check("orders calls ledger with its X.509-SVID and a JWT-SVID",
        read.statusCode() == 200 && read.body().contains("read by " + ORDERS + " via JWT_SVID_AND_X509_SVID"));
  }

  // --------------------------------------------------------------------------------------------------- step 2

  private void allowedAndDeniedCalls() throws Exception {
    steps.begin("2. An allowed call end to end, and denied ones");
    HttpResponse<String> order = post(ordersUrl("/orders?amount=42.00"), null);
    countCharge(order);
    steps.say("POST orders /orders -> " + order.statusCode() + " \"" + order.body() + "\"");
    steps.check("orders -> payments (JWT-SVID) -> ledger (mTLS + JWT-SVID) allowed", order.statusCode() == 200
        && order.body().contains("charged 42.00 for " + ORDERS)
        && order.body().contains("recorded for " + PAYMENTS + " via JWT_SVID_AND_X509_SVID"));

    steps.say("calls straight to payments POST /charge, with tokens the driver mints from the shared authority:");
    String charge = paymentsUrl("/charge?amount=1.00");
    String noScope = mint(ORDERS, PAYMENTS);
    expect("orders without scope payments:charge", post(charge, noScope), 403, "insufficient_scope");
    String stranger = mint(SpiffeId.parse("spiffe://example.org/reports"), PAYMENTS, "payments:charge");
    expect("reports, a caller no rule allows", post(charge, stranger), 403, null);
    expect("no token", post(charge, null), 401, "realm=\"example.org\"");
    expect("an expired token (minted 10 minutes ago for 1 minute)", post(charge, expiredToken()), 401,
        "invalid_token");
    String good = mint(ORDERS, PAYMENTS, "payments:charge");
    expect("a tampered token (payload edited to claim scope payments:refund)", post(charge, tamper(good)), 401,
        "invalid_token");
    int raw = rawStatus(paymentsPort, "POST /ready/../charge?amount=1.00 HTTP/1.1", good);
    steps.say(String.format(Locale.ROOT, "  %-58s -> %d", "path trick POST /ready/../charge (valid token, sent raw)",
        raw));
    steps.check("dot-segment path refused with 400 before any rule", raw == 400);
    HttpResponse<String> real = post(charge, good);
    countCharge(real);
    expect("the same valid token on the real path", real, 200, null);
  }

  private void expect(String what, HttpResponse<String> response, int status, @Nullable String challenge) {
    String header = response.headers().firstValue("WWW-Authenticate").orElse("");
    steps.say(String.format(Locale.ROOT, "  %-58s -> %d %s", what, response.statusCode(), header));
    steps.check(what + ": " + status + (challenge == null ? "" : " " + challenge),
        response.statusCode() == status && (challenge == null || header.contains(challenge)));
  }

  private String mint(SpiffeId subject, SpiffeId audience, String... scopes) {
    driverMints++;
    return authority().mint(subject, List.of(audience.toString()), List.of(scopes), null).token();
  }

  private String expiredToken() {
    clock.shift(Duration.ofMinutes(-10));
    driverMints++;
    try {
      JwtSvid old = authority().mint(ORDERS, List.of(PAYMENTS.toString()), List.of("payments:charge"),
          Duration.ofMinutes(1));
      return old.token();
    } finally {
      clock.shift(Duration.ZERO);
    }
  }

  /** The token with its payload edited (a scope added) and the signature kept: what a forger would try. */
  static String tamper(String token) {
    String[] parts = token.split("\\.", -1);
    Base64.Decoder decoder = Base64.getUrlDecoder();
    String payload = new String(decoder.decode(parts[1]), StandardCharsets.UTF_8);
    String forged = payload.replace("payments:charge", "payments:charge payments:refund");
    if (forged.equals(payload)) {
      throw new IllegalArgumentException("the token has no payments:charge scope to edit");
    }
    return parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(forged.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
  }

  // --------------------------------------------------------------------------------------------------- step 3

  private void rotationUnderLoad() throws Exception {
    steps.begin("3. Key rotation and X.509 renewal while orders keep flowing");
    X509Certificate before = peerCertificate(ledgerGet("/ready"));
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>("");
    List<Thread> load = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          calls.incrementAndGet();
          try {
            HttpResponse<String> r = post(ordersUrl("/orders?amount=7.00"), null);
            countCharge(r);
            if (r.statusCode() != 200) {
              failures.incrementAndGet();
              firstFailure.compareAndSet("", r.statusCode() + " " + r.body());
            }
          } catch (Exception e) {
            failures.incrementAndGet();
            firstFailure.compareAndSet("", e.toString());
          }
        }
      }, "demo-load-" + i);
      t.start();
      load.add(t);
    }
    long start = System.nanoTime();
    AuthorityKey prepared = authority().prepareJwtKey();
    AuthorityCa preparedCa = authority().prepareX509Ca();
    preparedKeyId = prepared.keyId();
    preparedCaId = preparedCa.id();
    steps.say("prepared JWT key " + prepared.keyId() + " and CA " + preparedCa.id()
        + ": published in the bundle, not signing yet");
    boolean published = await(Duration.ofSeconds(10), () -> Files.readString(
        work.resolve("payments").resolve("bundle.json"), StandardCharsets.UTF_8).contains(prepared.keyId()));
    steps.check("the new key reached payments' bundle file (" + elapsed(start) + ")", published);
    Thread.sleep(2_500); // the fleet bound: every process has re-read the directory by now
    // Spring Boot's TLS server (ledger) trusts the roots it held at its last SVID renewal: wait for the next one, so
    // that it trusts the prepared CA before any client presents an SVID the new CA issued.
    X509Certificate trusting = peerCertificate(ledgerGet("/ready"));
    boolean trusted = await(Duration.ofSeconds(40), () -> !peerCertificate(ledgerGet("/ready")).getSerialNumber()
        .equals(trusting.getSerialNumber()));
    steps.check("ledger renewed its SVID, so its TLS server trusts the prepared CA (" + elapsed(start) + ")",
        trusted);
    AuthorityKey active = authority().activateJwtKey();
    AuthorityCa activeCa = authority().activateX509Ca();
    steps.say("activated JWT key " + active.keyId() + " and CA " + activeCa.id() + " (" + elapsed(start) + ")");
    String fresh = mint(ORDERS, PAYMENTS, "payments:charge");
    HttpResponse<String> withNewKey = post(paymentsUrl("/charge?amount=3.00"), fresh);
    countCharge(withNewKey);
    steps.check("a token signed by the new key is accepted by payments", withNewKey.statusCode() == 200);
    String issuerBefore = before.getIssuerX500Principal().getName();
    boolean renewed = await(Duration.ofSeconds(40), () -> {
      X509Certificate now = peerCertificate(ledgerGet("/ready"));
      return !now.getSerialNumber().equals(before.getSerialNumber())
          && !now.getIssuerX500Principal().getName().equals(issuerBefore);
    });
    X509Certificate after = peerCertificate(ledgerGet("/ready"));
    Thread.sleep(1_000);
    running.set(false);
    for (Thread t : load) {
      t.join(15_000);
    }
    steps.say("ledger's X.509-SVID: serial " + shortSerial(before) + " -> " + shortSerial(after) + ", issuer "
        + issuerBefore + " -> " + after.getIssuerX500Principal().getName());
    steps.check("ledger renewed its X.509-SVID under the new CA while serving (" + elapsed(start) + ")", renewed);
    steps.say(calls.get() + " orders placed during the rotation, " + failures.get() + " failed"
        + (failures.get() == 0 ? "" : " (first: " + firstFailure.get() + ")"));
    steps.check("zero failed calls during rotation and renewal", failures.get() == 0 && calls.get() > 0);
  }

  // --------------------------------------------------------------------------------------------------- step 4

  private void revocation() throws Exception {
    steps.begin("4. Revoking one identity: payments");
    HttpResponse<String> before = post(ordersUrl("/orders?amount=5.00"), null);
    countCharge(before);
    steps.check("orders -> payments -> ledger allowed before the revocation", before.statusCode() == 200);
    long start = System.nanoTime();
    authority().revokeSpiffeId(PAYMENTS, Instant.now().plus(Duration.ofHours(1)));
    steps.say("revoked every JWT-SVID of " + PAYMENTS + " (in the shared directory's revocations.json; audited)");
    AtomicReference<String> seen = new AtomicReference<>("");
    boolean refused = await(Duration.ofSeconds(8), () -> {
      HttpResponse<String> r = post(ordersUrl("/orders?amount=5.00"), null);
      countCharge(r);
      seen.set(r.statusCode() + " \"" + r.body() + "\"");
      return r.statusCode() == 502 && r.body().contains("ledger refused payments: 401");
    });
    steps.say("POST orders /orders -> " + seen.get());
    steps.check("ledger refuses payments within the fleet bound (" + elapsed(start) + ")", refused);
    HttpResponse<String> others = get(ordersUrl("/orders/ledger"));
    countLedgerRead(others);
    steps.say("orders -> ledger -> " + others.statusCode() + " \"" + others.body() + "\"");
    steps.check("orders, not revoked, still reads the ledger", others.statusCode() == 200);
    HttpResponse<String> direct = post(paymentsUrl("/charge?amount=1.00"), null);
    steps.check("payments still answers its own callers' refusals as before (401 without a token)",
        direct.statusCode() == 401);
  }

  // --------------------------------------------------------------------------------------------------- step 5

  private void auditTrail() throws IOException, InterruptedException {
    steps.begin("5a. The audit trail of this run: each service's decisions (logger lanyard.audit, one JSON line"
        + " each) and the authority's events");
    boolean all = true;
    for (String service : List.of("orders", "payments", "ledger")) {
      Path file = work.resolve("audit-" + service + ".jsonl");
      AuditSummary summary = AuditSummary.read(file);
      steps.say(service + ": " + summary.describe());
      all &= summary.total() > 0;
      if (service.equals("payments")) {
        steps.check("payments audited the refusals of step 2 (EXPIRED, BAD_SIGNATURE, no token, scope, caller)",
            summary.hasReason("EXPIRED") && summary.hasReason("BAD_SIGNATURE")
                && summary.count("UNAUTHENTICATED") > 0 && summary.count("INSUFFICIENT_SCOPE") > 0
                && summary.count("DENIED") > 0);
        for (String line : summary.samples(3)) {
          steps.say("  " + line);
        }
      }
      if (service.equals("ledger")) {
        steps.check("ledger audited the revoked caller (REVOKED)", summary.hasReason("REVOKED"));
      }
    }
    steps.check("every service wrote an audit trail", all);
    authorityEvents();
  }

  /**
   * The authority's side of the trail: the driver's authority instance (it made the rotations and the revocation)
   * records into {@link #authorityTrail}; orders' own instance (the starter's) answers on {@code /actuator/lanyard/audit}.
   */
  private void authorityEvents() throws IOException, InterruptedException {
    steps.say("authority events of the driver's authority instance (an AuditRing attached to it):");
    Map<AuthorityEvent.Kind, Integer> kinds = new TreeMap<>();
    boolean keyPrepared = false;
    boolean keyActivated = false;
    boolean caPrepared = false;
    boolean caActivated = false;
    boolean revoked = false;
    List<String> issuedTo = new ArrayList<>();
    for (AuthorityEvent e : authorityTrail.authorityEvents()) {
      kinds.merge(e.kind(), 1, Integer::sum);
      String key = e.keyId().orElse("");
      if (e.kind() == AuthorityEvent.Kind.X509_SVID_ISSUED) {
        issuedTo.add(e.subject().orElse(""));
      } else if (e.kind() != AuthorityEvent.Kind.JWT_SVID_MINTED) {
        steps.say("  " + e.time() + "  " + e.kind().name().toLowerCase(Locale.ROOT) + "  "
            + e.keyId().or(e::subject).orElse("") + e.detail().map(d -> " (" + d + ")").orElse(""));
      }
      keyPrepared |= e.kind() == AuthorityEvent.Kind.KEY_PREPARED && key.equals(preparedKeyId);
      keyActivated |= e.kind() == AuthorityEvent.Kind.KEY_ACTIVATED && key.equals(preparedKeyId);
      caPrepared |= e.kind() == AuthorityEvent.Kind.CA_PREPARED && key.equals(preparedCaId);
      caActivated |= e.kind() == AuthorityEvent.Kind.CA_ACTIVATED && key.equals(preparedCaId);
      revoked |= e.kind() == AuthorityEvent.Kind.REVOKED && e.subject().orElse("").equals(PAYMENTS.toString());
    }
    steps.say("  in all: " + kinds.toString().toLowerCase(Locale.ROOT));
    steps.check("step 3's key rotation is audited (key " + preparedKeyId + " prepared, then activated)",
        keyPrepared && keyActivated);
    steps.check("step 3's CA rotation is audited (CA " + preparedCaId + " prepared, then activated)",
        caPrepared && caActivated);
    steps.check("step 4's revocation of payments is audited", revoked);
    int minted = kinds.getOrDefault(AuthorityEvent.Kind.JWT_SVID_MINTED, 0);
    steps.check("each JWT-SVID the driver minted is audited (" + minted + " of " + driverMints + ")",
        minted == driverMints);
    steps.check("the X.509-SVIDs the driver holds are audited (" + DEMO + ")", issuedTo.contains(DEMO.toString()));

    HttpResponse<String> audit = get(ordersUrl("/actuator/lanyard/audit"), opsToken(ORDERS));
    String body = audit.body();
    int from = body.indexOf("\"authorityEvents\":[");
    String orders = from < 0 ? "" : body.substring(from);
    int ordersMinted = occurrences(orders, "\"event\":\"jwt_svid_minted\"");
    int ordersIssued = occurrences(orders, "\"event\":\"x509_svid_issued\"");
    steps.say("orders' own authority instance, from GET /actuator/lanyard/audit (as " + OPS + "): " + audit.statusCode()
        + ", " + ordersMinted + " JWT-SVIDs minted (audiences payments, ledger), " + ordersIssued
        + " X.509-SVIDs issued");
    steps.check("orders' actuator shows its own issuance (JWT-SVIDs minted and X.509-SVIDs issued)",
        audit.statusCode() == 200 && ordersMinted > 0 && ordersIssued > 0
            && orders.contains("\"audience\":[\"" + PAYMENTS + "\"]"));
  }

  private void trustGraphAndLeastPrivilegeReview() throws IOException, InterruptedException {
    steps.begin("5b. The trust graph of the estate and the least-privilege review (as " + OPS + ")");
    Path graphs = Files.createDirectories(work.resolve("graphs"));
    // The graphs are read last on each service, so each shows its own read too (recorded before it is answered).
    HttpResponse<String> orders = get(ordersUrl("/actuator/lanyard/graph?format=json"), opsToken(ORDERS));
    HttpResponse<String> payments = get(paymentsUrl("/lanyard/graph?format=json"), opsToken(PAYMENTS));
    HttpResponse<String> ledger;
    try (RotatingX509SvidSource opsSvid = RotatingX509SvidSource.newBuilder(authority(), OPS).build()) {
      ledger = ledgerGet(opsSvid, "/actuator/lanyard/graph?format=json");
    }
    steps.say("orders   GET /actuator/lanyard/graph -> " + orders.statusCode() + " (Spring actuator)");
    steps.say("payments GET /lanyard/graph          -> " + payments.statusCode() + " (TrustGraphServlet behind"
        + " LanyardFilter)");
    steps.say("ledger   GET /actuator/lanyard/graph -> " + ledger.statusCode() + " (Spring actuator, mutual TLS, "
        + "client certificate only)");
    boolean fetched = orders.statusCode() == 200 && payments.statusCode() == 200 && ledger.statusCode() == 200;
    steps.check("each service serves its trust graph to " + OPS, fetched);
    HttpResponse<String> stranger = get(paymentsUrl("/lanyard/graph"), mint(ORDERS, PAYMENTS, "payments:charge"));
    steps.check("and refuses it to another caller (orders -> payments /lanyard/graph: " + stranger.statusCode() + ")",
        stranger.statusCode() == 403);
    if (!fetched) {
      return;
    }
    Path ordersFile = Files.writeString(graphs.resolve("orders.json"), orders.body(), StandardCharsets.UTF_8);
    Path paymentsFile = Files.writeString(graphs.resolve("payments.json"), payments.body(), StandardCharsets.UTF_8);
    Path ledgerFile = Files.writeString(graphs.resolve("ledger.json"), ledger.body(), StandardCharsets.UTF_8);
    if (!Files.isRegularFile(cliJar)) {
      steps.fail("the lanyard CLI is missing (" + cliJar + "): ./demo.sh builds it with the examples");
      return;
    }

    Path estate = graphs.resolve("estate.json");
    Path mermaid = graphs.resolve("estate.mmd");
    List<String> sources = List.of(ordersFile.toString(), paymentsFile.toString(), ledgerFile.toString());
    Services.Finished merged = cli("merge-json", concat(List.of("graph", "merge"), sources,
        List.of("--format", "json", "--out", estate.toString())));
    Services.Finished drawn = cli("merge-mermaid", concat(List.of("graph", "merge"), sources,
        List.of("--format", "mermaid", "--out", mermaid.toString())));
    steps.say("$ lanyard graph merge orders.json payments.json ledger.json --format json --out estate.json");
    steps.say("  " + merged.out().strip());
    if (!steps.check("lanyard graph merge wrote the estate map (exit 0, 3 graphs, JSON and Mermaid)",
        merged.exit() == 0 && drawn.exit() == 0 && merged.out().contains("\"graphs\":3")
            && Files.isRegularFile(estate) && Files.isRegularFile(mermaid))) {
      steps.say("  " + merged.err().strip() + " " + drawn.err().strip());
      return;
    }
    EstateMap map = EstateMap.parse(Files.readString(estate, StandardCharsets.UTF_8));
    steps.say("the estate map, caller -> callee, deciding rule, calls (" + map.graph().edges().size() + " edges, "
        + map.graph().nodes().size() + " identities):");
    for (String line : map.describe(TD_PREFIX)) {
      steps.say("  " + line);
    }
    long charged = map.allowed(ORDERS, PAYMENTS, "POST", "/charge");
    steps.check("payments counted every charge orders made that its policy allowed (" + charged + " = "
        + chargesPassed.get() + " sent) and the one without the scope",
        charged == chargesPassed.get()
            && map.denials(ORDERS, PAYMENTS, "POST", "/charge").equals(Map.of("INSUFFICIENT_SCOPE", 1L)));
    SpiffeId reports = SpiffeId.parse("spiffe://example.org/reports");
    steps.check("payments counted reports' attempt, denied NOT_ALLOWED (no rule allows reports, so none decided)",
        map.denials(reports, PAYMENTS).equals(Map.of("NOT_ALLOWED", 1L)) && map.allowed(reports, PAYMENTS) == 0);
    long entries = map.allowed(PAYMENTS, LEDGER, "POST", "/entries");
    steps.check("the ledger counted every entry payments recorded before its revocation (" + entries + " = "
        + entriesRecorded.get() + ")", entries == entriesRecorded.get());
    long reads = map.allowed(ORDERS, LEDGER, "GET", "/entries");
    steps.check("the ledger counted orders' reads (" + reads + " = " + ledgerReads + ")", reads == ledgerReads);
    steps.check("the operators' reads are on the map too (audit and graph of orders, graph of payments and ledger)",
        map.allowed(OPS, ORDERS, "GET", "/actuator/lanyard/audit") == 1
            && map.allowed(OPS, ORDERS, "GET", "/actuator/lanyard/graph") == 1
            && map.allowed(OPS, PAYMENTS, "GET", "/lanyard/graph") == 1
            && map.allowed(OPS, LEDGER, "GET", "/actuator/lanyard/graph") == 1);
    String chart = Files.readString(mermaid, StandardCharsets.UTF_8);
    steps.say("$ lanyard graph merge ... --format mermaid --out estate.mmd   (paste into any Mermaid viewer)");
    chart.strip().lines().forEach(line -> steps.say("  " + line));
    steps.check("the Mermaid map is a flowchart naming every service", chart.startsWith("flowchart LR\n")
        && chart.contains(ORDERS.toString()) && chart.contains(PAYMENTS.toString()) && chart.contains(LEDGER.toString()));

    ReviewFindings forOrders = review("orders", examples.resolve("orders/src/main/resources/lanyard-policy.txt"),
        ordersFile);
    ReviewFindings forPayments = review("payments",
        examples.resolve("payments/src/main/resources/webapp/WEB-INF/lanyard-policy.txt"), paymentsFile);
    ReviewFindings forLedger = review("ledger", examples.resolve("ledger/src/main/resources/lanyard-policy.txt"),
        ledgerFile);
    steps.check("orders: no finding (public endpoints, and an operators' rule that was used)",
        forOrders.all().isEmpty());
    List<ReviewFindings.Finding> unused = forPayments.ofKind("SCOPE_UNUSED");
    steps.check("payments: orders lacked a scope once and reports has no grant (DENIED_MISSING_GRANT, 1 each), and"
        + " reports holds payments:charge it can never use (SCOPE_UNUSED)",
        forPayments.all().size() == 3 && forPayments.has("DENIED_MISSING_GRANT", ORDERS.toString(), "", 1)
            && forPayments.has("DENIED_MISSING_GRANT", reports.toString(), "", 1) && unused.size() == 1
            && unused.get(0).caller().equals(reports.toString()) && unused.get(0).scope().equals("payments:charge"));
    steps.check("ledger: payments may read the entries but never did: take it away (CALLER_UNSEEN on GET /entries)",
        forLedger.all().size() == 1 && forLedger.has("CALLER_UNSEEN", PAYMENTS.toString(), "GET /entries", 0));
  }

  /** {@code lanyard policy review --policy FILE --graph FILE --json}, its findings printed; empty on failure. */
  private ReviewFindings review(String service, Path policy, Path graph) throws IOException, InterruptedException {
    Services.Finished run = cli("review-" + service, List.of("policy", "review", "--policy", policy.toString(),
        "--graph", graph.toString(), "--json"));
    steps.say("$ lanyard policy review --policy " + service + "/.../lanyard-policy.txt --graph " + graph.getFileName()
        + " --json");
    ReviewFindings findings;
    try {
      findings = ReviewFindings.parse(run.out());
    } catch (IllegalArgumentException e) {
      steps.fail("policy review of " + service + " (exit " + run.exit() + "): " + e.getMessage() + " "
          + run.err().strip());
      return ReviewFindings.parse("{\"findings\":[],\"count\":0}");
    }
    steps.say("  " + findings.all().size() + " finding" + (findings.all().size() == 1 ? "" : "s")
        + (findings.all().isEmpty() ? "" : ":"));
    for (ReviewFindings.Finding f : findings.all()) {
      steps.say("    " + f.describe(TD_PREFIX));
    }
    return findings;
  }

  /** Runs the {@code lanyard} CLI as a separate process, as a user would, for at most 60 s. */
  private Services.Finished cli(String name, List<String> args) throws IOException, InterruptedException {
    return services.runJava("cli-" + name, concat(List.of("-jar", cliJar.toString()), args), Duration.ofSeconds(60));
  }

  /** A JWT-SVID of {@link #OPS} for {@code service}, no scope: the operators' rules ask for none. */
  private String opsToken(SpiffeId service) {
    return mint(OPS, service);
  }

  private void countCharge(HttpResponse<String> response) {
    if (response.statusCode() == 200) {
      chargesPassed.incrementAndGet();
      entriesRecorded.incrementAndGet();
    } else if (response.statusCode() == 502 && response.body().contains("ledger refused payments")) {
      chargesPassed.incrementAndGet();
    }
  }

  private void countLedgerRead(HttpResponse<String> response) {
    if (response.statusCode() == 200) {
      ledgerReads++;
    }
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> all = new ArrayList<>();
    for (List<String> part : parts) {
      all.addAll(part);
    }
    return all;
  }

  private static int occurrences(String text, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  // ------------------------------------------------------------------------------------------------- helpers

  private String ordersUrl(String path) {
    return "http://127.0.0.1:" + ordersPort + path;
  }

  private String paymentsUrl(String path) {
    return "http://127.0.0.1:" + paymentsPort + path;
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, @Nullable String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GET on the ledger over mutual TLS as {@link #DEMO}, on a new TLS context (so a new handshake, no resumption). */
  private HttpResponse<String> ledgerGet(String path) throws IOException, InterruptedException {
    RotatingX509SvidSource svid = demoSvid;
    if (svid == null) {
      throw new IllegalStateException("no demo SVID yet");
    }
    return ledgerGet(svid, path);
  }

  /** GET on the ledger over mutual TLS with {@code svid}'s certificate only, on a new TLS context. */
  private HttpResponse<String> ledgerGet(RotatingX509SvidSource svid, String path)
      throws IOException, InterruptedException {
    SSLContext tls = SpiffeTls.context(svid,
        X509SvidVerifier.newBuilder().bundleSource(authority().bundleSource()).build(), PeerAuthorizer.exactly(LEDGER));
    HttpClient client = HttpClient.newBuilder().sslContext(tls).sslParameters(SpiffeTls.clientParameters(tls))
        .connectTimeout(Duration.ofSeconds(5)).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + ledgerPort + path))
        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static X509Certificate peerCertificate(HttpResponse<?> response) throws IOException {
    try {
      return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
      throw new IOException(e);
    }
  }

  private static String spiffeId(X509Certificate cert) {
    try {
      var names = cert.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          if (Integer.valueOf(6).equals(name.get(0))) {
            return String.valueOf(name.get(1));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      return "(unreadable SAN)";
    }
    return "(no URI SAN)";
  }

  private static String shortSerial(X509Certificate cert) {
    String hex = cert.getSerialNumber().toString(16);
    return hex.length() > 8 ? hex.substring(0, 8) + "…" : hex;
  }

  /** Sends a request line as is (no client normalises it), with a bearer token; the status code answered. */
  private static int rawStatus(int port, String requestLine, String token) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write((requestLine + "\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token
          + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder status = new StringBuilder();
      for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
        status.append((char) c);
      }
      String[] parts = status.toString().split(" ", 3);
      return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
    }
  }

  /** A condition that may throw while the system settles. */
  interface Condition {
    boolean holds() throws Exception;
  }

  private static boolean await(Duration timeout, Condition condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    do {
      try {
        if (condition.holds()) {
          return true;
        }
      } catch (Exception e) {
        // not yet
      }
      Thread.sleep(100);
    } while (Instant.now().isBefore(deadline));
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String elapsed(long startNanos) {
    return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s % 3600 == 0 && s > 0) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0 && s > 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }
}
