package dev.lanyard.spring;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.JwtSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import java.util.Optional;

/** The service's identity from the embedded authority: cached JWT-SVIDs and a rotating X.509-SVID. */
final class EmbeddedIdentity implements LanyardIdentity, AutoCloseable {
  private final EmbeddedAuthority authority;
  private final SpiffeId spiffeId;
  private final CachingJwtSvidSource jwtSvids;
  private final RotatingX509SvidSource x509Svids;
  private final BundleSource bundles;

  EmbeddedIdentity(EmbeddedAuthority authority, SpiffeId spiffeId) {
    this.authority = authority;
    this.spiffeId = spiffeId;
    this.jwtSvids = CachingJwtSvidSource.newBuilder(authority, spiffeId).build();
    this.x509Svids = RotatingX509SvidSource.newBuilder(authority, spiffeId).build();
    this.bundles = authority.bundleSource();
  }

  @Override
  public SpiffeId spiffeId() {
    return spiffeId;
  }

  @Override
  public JwtSvidSource jwtSvids() {
    return jwtSvids;
  }

  @Override
  public X509SvidSource x509Svids() {
    return x509Svids;
  }

  @Override
  public BundleSource bundles() {
    return bundles;
  }

  @Override
  public Optional<RevocationList> revocations() {
    return Optional.of(authority.revocations());
  }

  /** Stops renewing the X.509-SVID. */
  @Override
  public void close() {
    x509Svids.close();
  }

  @Override
  public String toString() {
    return "EmbeddedIdentity[" + spiffeId + "]";
  }
}
