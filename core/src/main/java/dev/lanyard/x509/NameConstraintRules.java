package dev.lanyard.x509;

import static dev.lanyard.x509.CertificateFields.string;
import static dev.lanyard.x509.CertificateFields.subjectAltNames;
import static dev.lanyard.x509.CertificateFields.which;

import dev.lanyard.internal.Certificates;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.jspecify.annotations.Nullable;

/**
 * The name-constraint rules the JDK's matching leaves out (the JDK matches names against constraints; these are the
 * rules it misses): well-formed and critical constraints, a budget on the quadratic matching, name forms nobody can
 * match, and wildcard DNS names judged by every name they can stand for.
 */
final class NameConstraintRules {
  static final String NAME_CONSTRAINTS = "2.5.29.30";
  /**
   * Most (name, constraint) pairs one path may need compared. Checking names against constraints is quadratic
   * (x509-limbo's nc-dos chains ask for millions of comparisons); an SVID chain needs a handful.
   */
  static final int MAX_NAME_CONSTRAINT_CHECKS = 1 << 16;

  /** Name forms neither Lanyard nor the JDK can match against a constraint. */
  private static final Set<Integer> UNMATCHABLE_NAME_FORMS = Set.of(GeneralName.otherName, GeneralName.x400Address,
      GeneralName.ediPartyName, GeneralName.registeredID);

  private NameConstraintRules() {}

  /**
   * The name-constraint rules the JDK's matching leaves out, over the constraints of every CA above each certificate
   * (the anchor's included): a bounded amount of work, no name of a form nobody can match under a constraint on that
   * form (RFC 5280 §4.2.1.10: process the constraint or reject), and wildcard DNS names of the leaf judged by every
   * name they can stand for, not as the literal string "*.example.com".
   *
   * @param path the candidate path, leaf first, anchor excluded
   * @param anchorSelfSigned whether the anchor is signed by its own key, so that PKIX can enforce its constraints
   */
  static void check(List<X509Certificate> path, X509Certificate anchor, boolean anchorSelfSigned)
      throws X509SvidRejectedException {
    List<NameConstraints> above = new ArrayList<>();
    long constraintsAbove = 0;
    long checks = 0;
    NameConstraints anchorConstraints = parse(anchor, "the root");
    if (anchorConstraints != null && !anchorSelfSigned) {
      // Only a root signed by its own key can be handed to the JDK as the top of the path (see Pkix).
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          "the root has name constraints but is not self-signed, so they cannot be enforced");
    }
    if (anchorConstraints != null) {
      above.add(anchorConstraints);
      constraintsAbove += count(anchorConstraints);
    }
    for (int i = path.size() - 1; i >= 0; i--) {
      X509Certificate certificate = path.get(i);
      String which = which(i);
      // RFC 5280 §6.1.3 (b)-(c): self-issued intermediates are exempt, the last certificate never is.
      boolean constrained = i == 0 || !certificate.getSubjectX500Principal()
          .equals(certificate.getIssuerX500Principal());
      if (constrained && constraintsAbove > 0) {
        GeneralName[] names = subjectAltNames(certificate, which);
        checks += (names.length + subjectAttributes(certificate)) * constraintsAbove;
        if (checks > MAX_NAME_CONSTRAINT_CHECKS) {
          throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION, "checking the names of the path "
              + "against its name constraints needs more than " + MAX_NAME_CONSTRAINT_CHECKS + " comparisons");
        }
        for (GeneralName name : names) {
          for (NameConstraints constraints : above) {
            checkName(name, constraints, which);
          }
        }
      }
      NameConstraints constraints = parse(certificate, which);
      if (constraints != null) {
        above.add(constraints);
        constraintsAbove += count(constraints);
      }
    }
  }

  /**
   * The name constraints of a certificate, or null: critical (RFC 5280 §4.2.1.10, no exception for legacy clients),
   * with at least one subtree, minimum 0 and no maximum, and a well-formed base ({@link NameSyntax#isConstraintBase}).
   */
  static @Nullable NameConstraints parse(X509Certificate certificate, String which)
      throws X509SvidRejectedException {
    byte[] extension = Certificates.extensionValue(certificate, NAME_CONSTRAINTS);
    if (extension == null) {
      return null;
    }
    Set<String> critical = certificate.getCriticalExtensionOIDs();
    if (critical == null || !critical.contains(NAME_CONSTRAINTS)) {
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + " has name constraints that are not critical");
    }
    NameConstraints constraints;
    try {
      constraints = NameConstraints.getInstance(
          ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(extension).getOctets()));
    } catch (IOException | RuntimeException e) {
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + " has name constraints that cannot be parsed");
    }
    GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
    GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
    // One of the two must be present, and a GeneralSubtrees is SIZE (1..MAX).
    if (permitted == null && excluded == null || permitted != null && permitted.length == 0
        || excluded != null && excluded.length == 0) {
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + " has name constraints with an empty list of subtrees");
    }
    for (GeneralSubtree[] subtrees : new GeneralSubtree[][] {permitted, excluded}) {
      if (subtrees == null) {
        continue;
      }
      for (GeneralSubtree subtree : subtrees) {
        if (subtree.getMinimum().signum() != 0 || subtree.getMaximum() != null
            || !NameSyntax.isConstraintBase(subtree.getBase())) {
          throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
              which + " has a malformed name constraint " + subtree.getBase());
        }
      }
    }
    return constraints;
  }

  private static void checkName(GeneralName name, NameConstraints constraints, String which)
      throws X509SvidRejectedException {
    int form = name.getTagNo();
    if (UNMATCHABLE_NAME_FORMS.contains(form)
        && (hasForm(constraints.getPermittedSubtrees(), form) || hasForm(constraints.getExcludedSubtrees(), form))) {
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + " has a name of a form whose name constraints cannot be processed: " + name);
    }
    if (form != GeneralName.dNSName || !string(name).startsWith("*.")) {
      return;
    }
    // "*.example.com" stands for every "<label>.example.com": it must be permitted, and not excluded, as a whole.
    String base = string(name).substring(2).toLowerCase(Locale.ROOT);
    GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
    if (excluded != null) {
      for (GeneralSubtree subtree : excluded) {
        if (subtree.getBase().getTagNo() != GeneralName.dNSName) {
          continue;
        }
        String constraint = string(subtree.getBase()).toLowerCase(Locale.ROOT);
        if (within(base, constraint) || isOneLabelBelow(constraint, base)) {
          throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
              which + "'s wildcard " + name + " can match a name excluded by " + constraint);
        }
      }
    }
    GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
    if (hasForm(permitted, GeneralName.dNSName)) {
      for (GeneralSubtree subtree : permitted) {
        if (subtree.getBase().getTagNo() == GeneralName.dNSName
            && within(base, string(subtree.getBase()).toLowerCase(Locale.ROOT))) {
          return;
        }
      }
      throw new X509SvidRejectedException(Reason.NAME_CONSTRAINT_VIOLATION,
          which + "'s wildcard " + name + " can match names outside the permitted DNS subtrees");
    }
  }

  /** True when DNS name {@code name} is {@code constraint} or below it (an empty constraint holds every name). */
  static boolean within(String name, String constraint) {
    return constraint.isEmpty() || name.equals(constraint) || name.endsWith("." + constraint);
  }

  /** True when {@code name} is exactly one label below {@code parent}. */
  static boolean isOneLabelBelow(String name, String parent) {
    if (!name.endsWith("." + parent)) {
      return false;
    }
    String label = name.substring(0, name.length() - parent.length() - 1);
    return !label.isEmpty() && label.indexOf('.') < 0;
  }

  private static long count(NameConstraints constraints) {
    GeneralSubtree[] permitted = constraints.getPermittedSubtrees();
    GeneralSubtree[] excluded = constraints.getExcludedSubtrees();
    return (permitted == null ? 0 : permitted.length) + (excluded == null ? 0 : excluded.length);
  }

  private static boolean hasForm(GeneralSubtree @Nullable [] subtrees, int form) {
    if (subtrees != null) {
      for (GeneralSubtree subtree : subtrees) {
        if (subtree.getBase().getTagNo() == form) {
          return true;
        }
      }
    }
    return false;
  }

  private static long subjectAttributes(X509Certificate certificate) {
    long attributes = 0;
    for (RDN rdn : X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs()) {
      attributes += rdn.size();
    }
    return attributes;
  }
}
