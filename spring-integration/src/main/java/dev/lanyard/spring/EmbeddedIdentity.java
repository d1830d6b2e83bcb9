package dev.lanyard.spring;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.JwtSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.credentials.X509SvidIssuer;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.RevocationList;
import dev.lanyard.x509.X509Svid;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The service's identity from the embedded authority: cached JWT-SVIDs and a rotating X.509-SVID. */
final class EmbeddedIdentity implements LanyardIdentity, AutoCloseable {
  private final EmbeddedAuthority authority;
  private final SpiffeId spiffeId;
  private final CachingJwtSvidSource jwtSvids;
  private final RotatingX509SvidSource x509Svids;
  private final BundleSource bundles;

  /**
   * The identity {@code spiffeId} from {@code authority}, with {@code dnsNames} (checked, see {@link LanyardSettings#dnsNames()}) added as DNS SANs to every X.509-SVID, so
   * that host-name-checking clients accept the service's certificate.
   */
  EmbeddedIdentity(EmbeddedAuthority authority, SpiffeId spiffeId, List<String> dnsNames) {
    this.authority = authority;
    this.spiffeId = spiffeId;
    this.jwtSvids = CachingJwtSvidSource.newBuilder(authority, spiffeId).build();
    this.x509Svids = RotatingX509SvidSource.newBuilder(dnsNames.isEmpty() ? authority
        : withDnsNames(authority, List.copyOf(dnsNames)), spiffeId).build();
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

  /** The directory the authority persists to; empty when it lives in memory only. */
  Optional<Path> directory() {
    return authority.directory();
  }

  /** The authority as an issuer that adds {@code dnsNames} to every X.509-SVID. */
  private static X509SvidIssuer withDnsNames(EmbeddedAuthority authority, List<String> dnsNames) {
    return new X509SvidIssuer() {
      @Override
      public X509Svid issue(SpiffeId subject, @Nullable Duration ttl) {
        return authority.issueX509Svid(subject, ttl, dnsNames);
      }

      @Override
      public boolean isUsable(X509Svid svid) {
        return authority.isUsable(svid);
      }
    };
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
