package dev.lanyard.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.abort;

import dev.lanyard.internal.Json;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the x509-limbo path-validation cases ({@code src/test/resources/x509-limbo/}, see the README there: a
 * regenerated subset of C2SP/x509-limbo, Apache-2.0) through Lanyard's chain checks.
 *
 * <p><b>What runs.</b> For each applicable case: the certificates are parsed with the JDK's {@link CertificateFactory}
 * (what a TLS stack hands Lanyard; a certificate the JDK cannot parse can never reach Lanyard, so a parse failure
 * counts as a rejection with {@link Reason#MALFORMED}); then Lanyard's end-entity rules that are not about SPIFFE IDs,
 * {@link SvidProfile#checkEndEntity} (not a CA, no keyCertSign/cRLSign, a well-formed EKU); then the case's purpose
 * expectations: the leaf's EKU, if it has one, must include serverAuth for a {@code SERVER} case, clientAuth for a
 * {@code CLIENT} case and every purpose in {@code extended_key_usage} ({@link SvidProfile#checkPurpose}), and its key
 * usage, if it has one, every bit in {@code key_usage}; finally {@link PathValidator#validate} with
 * {@code untrusted_intermediates} and {@code trusted_certs} at {@code validation_time} (or {@link #FIXED_NOW} when the
 * case has none). The SPIFFE-ID rules (one URI SAN with a SPIFFE ID, critical key usage with digitalSignature, both
 * serverAuth and clientAuth) would reject almost every limbo leaf, which carry DNS names, and are tested with their
 * own fixtures. All 100 intermediates of the pathological cases go to the path builder, not just the 10 certificates
 * {@link X509SvidVerifier} accepts, so that its budget is what is exercised. Lanyard's checks of every case run under
 * a preemptive {@value #TIME_LIMIT_SECONDS}-second limit (parsing, the TLS stack's work, is done before).
 *
 * <p><b>Expectations.</b> A {@code FAILURE} case must be rejected, always: no case that must fail may pass. A
 * {@code SUCCESS} case must be accepted, unless it is in {@link #STRICTER_BY_DESIGN}, the cases Lanyard rejects on
 * purpose, each asserted to be rejected with the {@link Reason} listed there:
 * <ul>
 *   <li>{@code rfc5280::ca-as-leaf} and {@code pathlen::validation-ignores-pathlen-in-leaf}: a CA in the leaf position,
 *       which RFC 5280 allows and the X509-SVID profile does not (the README's profile note);</li>
 *   <li>{@code webpki::nc::permitted-dns-match-noncritical}: non-critical name constraints, which RFC 5280 forbids
 *       ({@code rfc5280::nc::permitted-dns-match-noncritical} must fail; of the two conflicting cases Lanyard takes
 *       the stricter);</li>
 *   <li>{@code rfc5280::validity::notafter-fractional}: 5 ms after notAfter, which limbo calls ambiguous; Lanyard
 *       compares instants;</li>
 *   <li>{@code rfc5280::nc::nc-forbids-alternate-chain-ica}: the JDK's name matching, which Lanyard relies on, also
 *       holds a host-name-like subject CN to DNS constraints when there is no DNS SAN.</li>
 * </ul>
 *
 * <p><b>What is skipped</b> (aborted, so it shows as skipped, and counted;
 * {@link #sourceWhenLoadedThenEveryCaseIsAccountedFor} pins the numbers):
 * <ul>
 *   <li>{@link Skip#PEER_NAME}: {@code webpki::san::*} and {@code webpki::cn::*}. They test host-name matching of
 *       {@code expected_peer_name} against DNS/IP SANs and the CN (RFC 6125/9525). Lanyard authorizes peers by SPIFFE
 *       ID and never matches host names, so these cannot apply (the README says so too). Name constraints on DNS, IP
 *       and email names are not host-name matching: those cases ({@code rfc5280::nc::*}, {@code webpki::nc::*},
 *       {@code cve::*}) all run.</li>
 *   <li>{@link Skip#REVOCATION}: the {@code has-crl} cases that must fail <em>because of their CRL</em> (a revoked
 *       leaf, or a CRL that is malformed or signed by an issuer without cRLSign), listed in
 *       {@link #CRL_CAUSED_FAILURES} after reading each description. Lanyard does no revocation checking of X.509
 *       chains. The {@code has-crl} cases that must succeed run (ignoring a CRL cannot make a good chain bad), and a
 *       {@code has-crl} case that must fail but is not in that list runs too, so a CRL case failing for a path reason
 *       still has to fail here.</li>
 *   <li>{@link Skip#MAX_CHAIN_DEPTH}: a {@code max_chain_depth} below Lanyard's own fixed limit
 *       ({@link PathBuilder#MAX_DEPTH} certificates). The depth limit is a property of the verifier, not something a
 *       caller passes per verification, so such a case cannot be expressed. A case whose depth limit is at least
 *       Lanyard's runs, Lanyard's limit being the tighter one.</li>
 *   <li>{@link Skip#PROFILE_CONFLICT}: a case whose expectation contradicts the profile Lanyard implements and another
 *       limbo case it declares in {@code conflicts_with}, listed in {@link #PROFILE_CONFLICTS} with the reason. A
 *       conflict resolved in the stricter direction is not skipped: the stricter case runs and its permissive twin is
 *       in {@link #STRICTER_BY_DESIGN}.</li>
 * </ul>
 * Everything else runs, including the {@code pedantic-*}, {@code denial-of-service}, {@code name-constraint-dn} and
 * {@code rfc5280-incompatible-with-webpki} features that limbo lets a validator opt out of.
 */
class X509LimboTest {
  private static final String RESOURCE = "/x509-limbo/limbo.json";
  static final int TIME_LIMIT_SECONDS = 5;
  /** "Now" for cases without a validation time: fixed, so the suite gives the same answer every day. */
  static final Instant FIXED_NOW = Instant.parse("2026-07-01T00:00:00Z");

  /** Why a case does not apply to Lanyard. */
  enum Skip {
    /** Host-name matching of the peer name (webpki::san, webpki::cn). */
    PEER_NAME,
    /** The case fails because of its CRL; Lanyard does no X.509 revocation checking. */
    REVOCATION,
    /** A caller-chosen chain depth below Lanyard's fixed limit. */
    MAX_CHAIN_DEPTH,
    /** The expectation contradicts Lanyard's profile and a conflicting limbo case. */
    PROFILE_CONFLICT
  }

  /** How a case that ran was settled. */
  enum Outcome {
    /** SUCCESS case, accepted. */
    ACCEPTED,
    /** FAILURE case, rejected. */
    REJECTED,
    /** SUCCESS case rejected on purpose, for the documented reason. */
    STRICTER_BY_DESIGN
  }

  /** has-crl cases that must fail because of the CRL itself (checked against each description). */
  static final Map<String, String> CRL_CAUSED_FAILURES = Map.of(
      "crl::revoked-certificate-with-crl", "the leaf is revoked by the CRL",
      "crl::crlnumber-missing", "the CRL lacks the CRLNumber extension",
      "crl::crlnumber-critical", "the CRL's CRLNumber extension is critical",
      "crl::issuer-missing-crlsign", "the CRL is signed by a CA without cRLSign");

  /** Cases whose expectation Lanyard's profile contradicts, with why. */
  static final Map<String, String> PROFILE_CONFLICTS = Map.of(
      "webpki::eku::ee-without-eku",
      "CA/B Forum requires an EKU in a subscriber certificate; RFC 5280 (rfc5280::eku::ee-without-eku, which runs) "
          + "and the X509-SVID profile make it optional, and Lanyard accepts SVIDs without one");

  /** SUCCESS cases Lanyard rejects on purpose: the reason they must be rejected with, and why. */
  static final Map<String, StricterCase> STRICTER_BY_DESIGN = Map.of(
      "rfc5280::ca-as-leaf", new StricterCase(Reason.NOT_A_LEAF,
          "the X509-SVID profile forbids a CA leaf (webpki::ca-as-leaf agrees; RFC 5280 allows it)"),
      "pathlen::validation-ignores-pathlen-in-leaf", new StricterCase(Reason.NOT_A_LEAF,
          "its leaf is a CA (an intermediate with pathlen:0), which the X509-SVID profile forbids"),
      "rfc5280::nc::nc-forbids-alternate-chain-ica", new StricterCase(Reason.NAME_CONSTRAINT_VIOLATION,
          "Lanyard leaves name matching to the JDK's PKIX, which (like web-PKI clients) also holds a subject CN that "
              + "looks like a host name to DNS constraints when there is no DNS SAN: intermediate "
              + "'CN=an-intermediate' is outside the permitted permitted.example.com"),
      "rfc5280::validity::notafter-fractional", new StricterCase(Reason.EXPIRED,
          "5 ms after notAfter: limbo itself calls the case ambiguous (RFC 5280 encodes whole seconds); Lanyard "
              + "compares instants, so a certificate is expired the moment its notAfter has passed"),
      "webpki::nc::permitted-dns-match-noncritical", new StricterCase(Reason.NAME_CONSTRAINT_VIOLATION,
          "RFC 5280 §4.2.1.10 requires name constraints to be critical (rfc5280::nc::permitted-dns-match-noncritical,"
              + " which must fail); CA/B Forum's exception for legacy clients does not apply to SPIFFE"));

  /** A stricter-by-design case: the reason it is rejected for, and why that is intended. */
  record StricterCase(Reason reason, String why) {}

  private static final Map<Outcome, AtomicInteger> OUTCOMES = new ConcurrentHashMap<>();
  private static final Map<Reason, AtomicInteger> REJECTIONS = new ConcurrentHashMap<>();
  private static final Map<Skip, AtomicInteger> SKIPS = new ConcurrentHashMap<>();
  private static final AtomicReference<CpuTime> SLOWEST = new AtomicReference<>(new CpuTime("none", 0));

  /** One limbo test case, with what Lanyard needs of it. {@code toString()} is the display name. */
  record LimboCase(
      String id,
      String description,
      List<String> features,
      String validationKind,
      String expectedResult,
      List<String> trustedCerts,
      List<String> untrustedIntermediates,
      String peerCertificate,
      Instant validationTime,
      List<String> keyUsage,
      List<String> extendedKeyUsage,
      Integer maxChainDepth) {

    boolean mustFail() {
      return "FAILURE".equals(expectedResult);
    }

    /** Why this case does not apply to Lanyard, if it does not. */
    Optional<Skip> skip() {
      if (id.startsWith("webpki::san::") || id.startsWith("webpki::cn::")) {
        return Optional.of(Skip.PEER_NAME);
      }
      if (features.contains("has-crl") && mustFail() && CRL_CAUSED_FAILURES.containsKey(id)) {
        return Optional.of(Skip.REVOCATION);
      }
      if (maxChainDepth != null && maxChainDepth < PathBuilder.MAX_DEPTH) {
        return Optional.of(Skip.MAX_CHAIN_DEPTH);
      }
      if (PROFILE_CONFLICTS.containsKey(id)) {
        return Optional.of(Skip.PROFILE_CONFLICT);
      }
      return Optional.empty();
    }

    String skipDetail(Skip skip) {
      switch (skip) {
        case PEER_NAME:
          return "host-name matching; Lanyard authorizes peers by SPIFFE ID";
        case REVOCATION:
          return "fails because of its CRL (" + CRL_CAUSED_FAILURES.get(id) + "); Lanyard does no X.509 revocation";
        case MAX_CHAIN_DEPTH:
          return "max_chain_depth " + maxChainDepth + " is below Lanyard's fixed limit of " + PathBuilder.MAX_DEPTH;
        case PROFILE_CONFLICT:
          return PROFILE_CONFLICTS.get(id);
        default:
          throw new AssertionError(skip);
      }
    }

    Instant at() {
      return validationTime != null ? validationTime : FIXED_NOW;
    }

    String describe() {
      return id + " (expected " + expectedResult + ", " + validationKind + ", features " + features + "): "
          + description;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  static Stream<LimboCase> cases() {
    return CASES.stream();
  }

  private static final List<LimboCase> CASES = load();

  /** Warms the JDK's certificate and PKIX code up so that class loading does not count against a case's limit. */
  @BeforeAll
  static void warmUp() {
    CASES.stream().filter(c -> c.id().equals("rfc5280::ee-aia")).findFirst().ifPresent(X509LimboTest::verdict);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void limboCaseWhenValidatedThenOutcomeMatchesExpectation(LimboCase limboCase, TestReporter reporter) {
    Optional<Skip> skip = limboCase.skip();
    if (skip.isPresent()) {
      SKIPS.computeIfAbsent(skip.get(), s -> new AtomicInteger()).incrementAndGet();
      abort("not applicable (" + skip.get() + "): " + limboCase.skipDetail(skip.get()));
    }
    // Parsing is the TLS stack's work, done before Lanyard sees a chain: only Lanyard's checks are timed.
    Optional<X509SvidRejectedException> rejection;
    try {
      ParsedChain chain = ParsedChain.of(limboCase);
      rejection = assertTimeoutPreemptively(Duration.ofSeconds(TIME_LIMIT_SECONDS),
          () -> timed(limboCase, () -> verdict(limboCase, chain)),
          () -> limboCase.id() + " took longer than " + TIME_LIMIT_SECONDS + " s");
    } catch (CertificateException e) {
      rejection = Optional.of(unparseable(e));
    }
    reporter.publishEntry("verdict", rejection.map(Throwable::getMessage).orElse("accepted"));

    StricterCase stricter = STRICTER_BY_DESIGN.get(limboCase.id());
    if (stricter != null) {
      assertThat(limboCase.mustFail()).as("%s is listed as stricter by design but must fail anyway", limboCase.id())
          .isFalse();
      assertThat(rejection).as("stricter by design (%s), but accepted: %s", stricter.why(), limboCase.describe())
          .isPresent();
      assertThat(rejection.get().reason()).as("rejection of %s: %s", limboCase.id(), rejection.get().getMessage())
          .isEqualTo(stricter.reason());
      tally(Outcome.STRICTER_BY_DESIGN);
    } else if (limboCase.mustFail()) {
      assertThat(rejection).as("must fail, but was accepted: %s", limboCase.describe()).isPresent();
      REJECTIONS.computeIfAbsent(rejection.get().reason(), r -> new AtomicInteger()).incrementAndGet();
      tally(Outcome.REJECTED);
    } else {
      assertThat(rejection.map(Throwable::getMessage))
          .as("must succeed, but was rejected: %s", limboCase.describe())
          .isEmpty();
      tally(Outcome.ACCEPTED);
    }
  }

  @Test
  void sourceWhenLoadedThenEveryCaseIsAccountedFor() {
    Map<String, Long> byDisposition = CASES.stream().collect(Collectors.groupingBy(
        c -> c.skip().map(Skip::name).orElse(STRICTER_BY_DESIGN.containsKey(c.id()) ? "STRICTER_BY_DESIGN"
            : c.mustFail() ? "RUN_MUST_FAIL" : "RUN_MUST_SUCCEED"),
        TreeMap::new, Collectors.counting()));
    System.out.println("x509-limbo cases by disposition: " + byDisposition);

    assertThat(CASES).as("limbo test cases").hasSize(194);
    assertThat(CASES.stream().map(LimboCase::id).distinct().count()).as("distinct ids").isEqualTo(194);
    assertThat(CASES.stream().filter(LimboCase::mustFail).count()).as("FAILURE cases").isEqualTo(145);
    assertThat(byDisposition).containsExactlyInAnyOrderEntriesOf(Map.of(
        "RUN_MUST_FAIL", 113L,
        "RUN_MUST_SUCCEED", 38L,
        "STRICTER_BY_DESIGN", 5L,
        "PEER_NAME", 28L,
        "REVOCATION", 4L,
        "MAX_CHAIN_DEPTH", 5L,
        "PROFILE_CONFLICT", 1L));
    // Every listed id exists, so that a renamed case cannot drop out of a list silently.
    Set<String> ids = CASES.stream().map(LimboCase::id).collect(Collectors.toSet());
    assertThat(ids).containsAll(CRL_CAUSED_FAILURES.keySet()).containsAll(PROFILE_CONFLICTS.keySet())
        .containsAll(STRICTER_BY_DESIGN.keySet());
  }

  @AfterAll
  static void printTally() {
    System.out.println("x509-limbo outcomes: " + new EnumMap<>(OUTCOMES) + ", skipped: " + new EnumMap<>(SKIPS)
        + ", must-fail cases rejected with: " + new EnumMap<>(REJECTIONS));
    System.out.println("x509-limbo slowest case in CPU time: " + SLOWEST.get());
  }

  /**
   * Runs {@code check} and keeps the case that used the most CPU time: on a shared machine, wall-clock time (what
   * the limit measures) also counts time spent descheduled, CPU time shows the work itself.
   */
  private static <T> T timed(LimboCase limboCase, Supplier<T> check) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = threads.getCurrentThreadCpuTime();
    T result = check.get();
    long micros = (threads.getCurrentThreadCpuTime() - start) / 1_000;
    SLOWEST.accumulateAndGet(new CpuTime(limboCase.id(), micros), (a, b) -> a.micros() >= b.micros() ? a : b);
    return result;
  }

  /** CPU time one case's checks took. */
  record CpuTime(String id, long micros) {
    @Override
    public String toString() {
      return id + " (" + micros / 1_000 + " ms)";
    }
  }

  /** The certificates of a case, parsed by the JDK. */
  record ParsedChain(X509Certificate leaf, List<X509Certificate> intermediates, List<X509Certificate> anchors) {
    static ParsedChain of(LimboCase limboCase) throws CertificateException {
      return new ParsedChain(parse(limboCase.peerCertificate()), parseAll(limboCase.untrustedIntermediates()),
          parseAll(limboCase.trustedCerts()));
    }
  }

  /** Lanyard's answer for a case: empty when the chain is accepted, the rejection otherwise. */
  static Optional<X509SvidRejectedException> verdict(LimboCase limboCase) {
    try {
      return verdict(limboCase, ParsedChain.of(limboCase));
    } catch (CertificateException e) {
      return Optional.of(unparseable(e));
    }
  }

  private static Optional<X509SvidRejectedException> verdict(LimboCase limboCase, ParsedChain chain) {
    try {
      SvidProfile.checkEndEntity(chain.leaf());
      for (String purpose : purposes(limboCase)) {
        SvidProfile.checkPurpose(chain.leaf(), purpose);
      }
      checkKeyUsage(chain.leaf(), limboCase.keyUsage());
      PathValidator.validate(chain.leaf(), chain.intermediates(), chain.anchors(),
          limboCase.at());
      return Optional.empty();
    } catch (X509SvidRejectedException e) {
      return Optional.of(e);
    }
  }

  /** A certificate the JDK cannot parse never reaches Lanyard: the chain counts as rejected. */
  private static X509SvidRejectedException unparseable(CertificateException e) {
    return new X509SvidRejectedException(Reason.MALFORMED, "the JDK cannot parse a certificate: " + e.getMessage());
  }

  /** The EKU purposes the case's validator asks for: its kind's purpose and any it lists. */
  private static Set<String> purposes(LimboCase limboCase) {
    Set<String> purposes = new LinkedHashSet<>();
    purposes.add("CLIENT".equals(limboCase.validationKind()) ? SvidProfile.CLIENT_AUTH : SvidProfile.SERVER_AUTH);
    for (String name : limboCase.extendedKeyUsage()) {
      purposes.add(purposeOid(name));
    }
    return purposes;
  }

  private static String purposeOid(String name) {
    switch (name) {
      case "serverAuth":
        return SvidProfile.SERVER_AUTH;
      case "clientAuth":
        return SvidProfile.CLIENT_AUTH;
      case "anyExtendedKeyUsage":
        return SvidProfile.ANY_EXTENDED_KEY_USAGE;
      case "codeSigning":
        return "1.3.6.1.5.5.7.3.3";
      case "emailProtection":
        return "1.3.6.1.5.5.7.3.4";
      case "timeStamping":
        return "1.3.6.1.5.5.7.3.8";
      case "OCSPSigning":
        return "1.3.6.1.5.5.7.3.9";
      default:
        throw new IllegalArgumentException("unknown extended key usage " + name);
    }
  }

  private static final List<String> KEY_USAGE_BITS = List.of("digitalSignature", "contentCommitment",
      "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly");

  /** A leaf with a key usage must assert every bit the case's validator asks for. */
  private static void checkKeyUsage(X509Certificate leaf, List<String> required) throws X509SvidRejectedException {
    boolean[] usage = leaf.getKeyUsage();
    if (usage == null) {
      return;
    }
    for (String name : required) {
      int bit = KEY_USAGE_BITS.indexOf(name);
      if (bit < 0) {
        throw new IllegalArgumentException("unknown key usage " + name);
      }
      if (bit >= usage.length || !usage[bit]) {
        throw new X509SvidRejectedException(Reason.BAD_KEY_USAGE, "the leaf's key usage lacks " + name);
      }
    }
  }

  private static List<X509Certificate> parseAll(List<String> pems) throws CertificateException {
    List<X509Certificate> certificates = new ArrayList<>();
    for (String pem : pems) {
      certificates.add(parse(pem));
    }
    return certificates;
  }

  private static X509Certificate parse(String pem) throws CertificateException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    Collection<? extends java.security.cert.Certificate> parsed =
        factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    if (parsed.size() != 1) {
      throw new CertificateException("expected one certificate in a PEM, found " + parsed.size());
    }
    return (X509Certificate) parsed.iterator().next();
  }

  private static void tally(Outcome outcome) {
    OUTCOMES.computeIfAbsent(outcome, o -> new AtomicInteger()).incrementAndGet();
  }

  /** Reads limbo.json from the test classpath; the vectors are never read from outside the module. */
  private static List<LimboCase> load() {
    Map<String, Object> root;
    try (InputStream in = X509LimboTest.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the test classpath");
      }
      root = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8), 16);
    } catch (ParseException e) {
      throw new IllegalStateException(RESOURCE + " is not a JSON object: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    if (!Long.valueOf(1).equals(root.get("version"))) {
      throw new IllegalStateException("unsupported limbo version " + root.get("version"));
    }
    List<LimboCase> cases = new ArrayList<>();
    for (Object element : (List<?>) root.get("testcases")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> test = (Map<String, Object>) element;
      String validationTime = string(test, "validation_time");
      Object depth = test.get("max_chain_depth");
      cases.add(new LimboCase(
          string(test, "id"),
          String.join(" ", string(test, "description").split("\\s+")).trim(),
          strings(test, "features"),
          string(test, "validation_kind"),
          string(test, "expected_result"),
          strings(test, "trusted_certs"),
          strings(test, "untrusted_intermediates"),
          string(test, "peer_certificate"),
          validationTime == null ? null : OffsetDateTime.parse(validationTime).toInstant(),
          strings(test, "key_usage"),
          strings(test, "extended_key_usage"),
          depth == null ? null : ((Number) depth).intValue()));
    }
    return List.copyOf(cases);
  }

  private static String string(Map<String, Object> object, String member) {
    Object element = object.get(member);
    return element == null ? null : String.valueOf(element);
  }

  private static List<String> strings(Map<String, Object> object, String member) {
    Object element = object.get(member);
    if (element == null) {
      return List.of();
    }
    List<String> values = new ArrayList<>();
    ((List<?>) element).forEach(value -> values.add(String.valueOf(value)));
    return List.copyOf(values);
  }
}
