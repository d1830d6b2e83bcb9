package dev.lanyard.x509;

import static dev.lanyard.x509.CertificateFields.octets;
import static dev.lanyard.x509.CertificateFields.string;

import dev.lanyard.internal.DnsNames;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * Which names in a certificate are well-formed. DNS names are judged by {@link DnsNames}, the one grammar the
 * authority also issues with, so that the verifier never refuses a name the authority put in an SVID; this class adds
 * only what is not a DNS name: mailboxes, IP addresses and address/mask pairs, and the leading period of a domain
 * constraint.
 */
final class NameSyntax {
  private static final String DOT_ATOM_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

  private NameSyntax() {}

  /**
   * A well-formed subject alternative name (RFC 5280 §4.2.1.6): a DNS name in preferred name syntax (with a "*"
   * leftmost label only when {@code wildcard}), a 4- or 16-octet IP address, an addr-spec mailbox. Other forms are
   * not judged here.
   */
  static boolean isSubjectAltName(GeneralName name, boolean wildcard) {
    switch (name.getTagNo()) {
      case GeneralName.dNSName:
        return DnsNames.isDnsName(string(name), wildcard);
      case GeneralName.iPAddress:
        int length = octets(name).length;
        return length == 4 || length == 16;
      case GeneralName.rfc822Name:
        return isMailbox(string(name));
      default:
        return true;
    }
  }

  /**
   * A well-formed name-constraint base: a DNS name without wildcard or leading period (or empty: every name), an
   * address and a contiguous mask, a mailbox or (dot-)host for email, a (dot-)host for URIs. Other forms are not
   * judged here.
   */
  static boolean isConstraintBase(GeneralName base) {
    try {
      switch (base.getTagNo()) {
        case GeneralName.dNSName:
          String dns = string(base);
          return dns.isEmpty() || DnsNames.isDnsName(dns, false);
        case GeneralName.iPAddress:
          return isAddressAndMask(octets(base));
        case GeneralName.rfc822Name:
          String email = string(base);
          return email.indexOf('@') >= 0 ? isMailbox(email) : isHostOrDomain(email);
        case GeneralName.uniformResourceIdentifier:
          return isHostOrDomain(string(base));
        default:
          return true;
      }
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** An RFC 5322 addr-spec with a dot-atom local part (no quoted strings) and a DNS domain. */
  static boolean isMailbox(String mailbox) {
    int at = mailbox.indexOf('@');
    if (at <= 0 || at != mailbox.lastIndexOf('@') || at > 64) {
      return false;
    }
    String local = mailbox.substring(0, at);
    if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
      return false;
    }
    for (int i = 0; i < local.length(); i++) {
      char c = local.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.'
          || DOT_ATOM_SPECIALS.indexOf(c) >= 0)) {
        return false;
      }
    }
    return DnsNames.isDnsName(mailbox.substring(at + 1), false);
  }

  /** An IPv4 or IPv6 address followed by a mask of the same length whose one-bits are all leading. */
  static boolean isAddressAndMask(byte[] octets) {
    if (octets.length != 8 && octets.length != 32) {
      return false;
    }
    boolean zeroSeen = false;
    for (int i = octets.length / 2; i < octets.length; i++) {
      for (int bit = 7; bit >= 0; bit--) {
        boolean one = (octets[i] >> bit & 1) == 1;
        if (one && zeroSeen) {
          return false;
        }
        zeroSeen |= !one;
      }
    }
    return true;
  }

  /** A host ({@code example.com}) or every host below a domain ({@code .example.com}). */
  static boolean isHostOrDomain(String value) {
    return DnsNames.isDnsName(value.startsWith(".") ? value.substring(1) : value, false);
  }
}
