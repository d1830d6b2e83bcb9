package dev.lanyard.x509;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * RFC 5280 path validation with bounded path building, plus the checks PKIX leaves out: the coordinator of
 * {@link PathBuilder} (which paths are tried), {@link NameConstraintRules}, {@link Pkix} and
 * {@link CertificateProfile} (what each candidate path must pass).
 *
 * <p>Each complete candidate path goes through, in order: the name-constraint rules the JDK gets wrong or does not
 * bound; the JDK's PKIX validator at the given instant; then the RFC 5280 certificate profile that PKIX does not check,
 * for every certificate including the trust anchor, the anchor's own rules, and the key purposes CAs allow. Name
 * constraints go first because they bound the JDK's quadratic matching; PKIX goes before the profile because its
 * failures (a signature that does not verify, an expired certificate) say more than a profile violation of the same
 * path would.
 *
 * <p>Name constraints are enforced wherever they appear, the trust anchor included, or the path is rejected: a
 * self-signed root is handed to PKIX as the first certificate of the path (see {@link Pkix}); a trust anchor that is
 * not self-signed cannot be put there, so if it has name constraints the path is rejected.
 */
final class PathValidator {
  private PathValidator() {}

  /**
   * Builds and validates a path from {@code leaf} through some of {@code intermediates} to one of {@code anchors}.
   *
   * @throws X509SvidRejectedException with the most telling reason when no path validates
   */
  static ValidatedPath validate(X509Certificate leaf, List<X509Certificate> intermediates,
      List<X509Certificate> anchors, Instant now) throws X509SvidRejectedException {
    return PathBuilder.build(leaf, intermediates, anchors, (path, anchor) -> check(path, anchor, now));
  }

  /** Every rule one candidate path must pass, in order. */
  static void check(List<X509Certificate> path, X509Certificate anchor, Instant now)
      throws X509SvidRejectedException {
    boolean anchorSelfSigned = CertificateFields.isSignedByOwnKey(anchor);
    NameConstraintRules.check(path, anchor, anchorSelfSigned);
    Pkix.validate(path, anchor, anchorSelfSigned, now);
    CertificateProfile.checkPath(path, anchor, now);
  }
}
