package dev.lanyard.x509;

import java.security.cert.X509Certificate;
import java.util.List;

/** A validated path (leaf first, anchor excluded) and its anchor. Immutable. */
final class ValidatedPath {
  final List<X509Certificate> path;
  final X509Certificate anchor;

  ValidatedPath(List<X509Certificate> path, X509Certificate anchor) {
    this.path = path;
    this.anchor = anchor;
  }
}
