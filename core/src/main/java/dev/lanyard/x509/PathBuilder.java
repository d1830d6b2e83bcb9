package dev.lanyard.x509;

import dev.lanyard.internal.Certificates;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Bounded path building from a leaf to a trust anchor. Paths are built only from the presented intermediates (never
 * fetched), depth-first from the leaf by issuer name (and key identifiers when both are present), within a budget of
 * candidate evaluations, signature checks and full validations, so that pathological chains (cross-signed meshes,
 * name loops, impostors copying names and key identifiers) answer fast. Each complete candidate path is handed to a
 * {@link PathCheck}; the first it accepts is the answer.
 *
 * <p>Thread-safe: {@link #build} is static and each call searches with an instance of its own.
 */
final class PathBuilder {
  /** Most certificates in one path, anchor excluded. */
  static final int MAX_DEPTH = 8;
  /** Most issuer candidates examined while building. */
  static final int MAX_CANDIDATES = 64;
  /** Most candidate paths fully validated. */
  static final int MAX_VALIDATIONS = 4;
  /** Most signature checks of candidate issuers while building. */
  static final int MAX_SIGNATURE_CHECKS = 32;

  /** Validates one complete candidate path. */
  @FunctionalInterface
  interface PathCheck {
    /**
     * Accepts the path or throws why not.
     *
     * @param path leaf first, anchor excluded; read it, do not keep it (the builder reuses it)
     */
    void check(List<X509Certificate> path, X509Certificate anchor) throws X509SvidRejectedException;
  }

  private final List<X509Certificate> intermediates;
  private final List<X509Certificate> anchors;
  private final PathCheck pathCheck;
  private int candidates;
  private int validations;
  private int signatureChecks;
  private @Nullable X509SvidRejectedException firstFailure;
  private @Nullable ValidatedPath result;

  private PathBuilder(List<X509Certificate> intermediates, List<X509Certificate> anchors, PathCheck pathCheck) {
    this.intermediates = intermediates;
    this.anchors = anchors;
    this.pathCheck = pathCheck;
  }

  /**
   * Builds paths from {@code leaf} through some of {@code intermediates} to one of {@code anchors} and returns the
   * first that {@code pathCheck} accepts.
   *
   * @throws X509SvidRejectedException when no path is accepted: the first failure of {@code pathCheck} that says
   *     more than {@link Reason#UNTRUSTED_CHAIN}, else {@link Reason#CHAIN_TOO_LONG} when the candidate budget ran
   *     out, else {@link Reason#UNTRUSTED_CHAIN}
   */
  static ValidatedPath build(X509Certificate leaf, List<X509Certificate> intermediates,
      List<X509Certificate> anchors, PathCheck pathCheck) throws X509SvidRejectedException {
    if (anchors.isEmpty()) {
      throw new X509SvidRejectedException(Reason.UNTRUSTED_TRUST_DOMAIN, "the bundle has no X.509 roots");
    }
    for (X509Certificate anchor : anchors) {
      if (anchor.equals(leaf)) {
        throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN, "the leaf is itself a root of the bundle");
      }
    }
    PathBuilder search = new PathBuilder(intermediates, anchors, pathCheck);
    List<X509Certificate> path = new ArrayList<>();
    path.add(leaf);
    search.extend(path);
    if (search.result != null) {
      return search.result;
    }
    if (search.firstFailure != null) {
      throw search.firstFailure;
    }
    if (search.candidates >= MAX_CANDIDATES) {
      throw new X509SvidRejectedException(Reason.CHAIN_TOO_LONG, "path building exceeded its budget");
    }
    throw new X509SvidRejectedException(Reason.UNTRUSTED_CHAIN, "no path from the leaf to a root of the bundle");
  }

  /** Depth-first search; stops at the first validated path or when the budget runs out. */
  private void extend(List<X509Certificate> path) {
    X509Certificate tip = path.get(path.size() - 1);
    for (X509Certificate anchor : anchors) {
      if (result != null || exhausted()) {
        return;
      }
      if (Certificates.mayHaveIssued(anchor, tip)) {
        candidates++;
        tryPath(path, anchor);
      }
    }
    if (path.size() >= MAX_DEPTH) {
      return;
    }
    for (X509Certificate candidate : intermediates) {
      if (result != null || exhausted()) {
        return;
      }
      if (path.contains(candidate) || anchors.contains(candidate) || !Certificates.mayHaveIssued(candidate, tip)) {
        continue;
      }
      candidates++;
      // Names and key identifiers can be copied; the signature cannot. Checking it before going deeper keeps
      // impostor intermediates from using up the few full validations while the real issuer waits behind them.
      if (!signedBy(tip, candidate)) {
        continue;
      }
      path.add(candidate);
      extend(path);
      path.remove(path.size() - 1);
    }
  }

  private boolean exhausted() {
    return candidates >= MAX_CANDIDATES || validations >= MAX_VALIDATIONS || signatureChecks >= MAX_SIGNATURE_CHECKS;
  }

  /** True when {@code issuer}'s key verifies {@code subject}'s signature; counts against the budget. */
  private boolean signedBy(X509Certificate subject, X509Certificate issuer) {
    signatureChecks++;
    try {
      subject.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private void tryPath(List<X509Certificate> path, X509Certificate anchor) {
    validations++;
    try {
      pathCheck.check(path, anchor);
      result = new ValidatedPath(List.copyOf(path), anchor);
    } catch (X509SvidRejectedException e) {
      if (firstFailure == null || firstFailure.reason() == Reason.UNTRUSTED_CHAIN) {
        firstFailure = e;
      }
    }
  }
}
