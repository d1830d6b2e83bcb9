package dev.lanyard.trust;

import dev.lanyard.spiffe.InvalidSpiffeIdException;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundles of this service's own trust domain and of the trust domains it federates with (SPIFFE Federation), each
 * from its own source: a file ({@link FileBundleSource}), a bundle endpoint ({@link HttpBundleSource}) or any other
 * {@link BundleSource}, such as the federated bundles of a SPIFFE Workload API.
 *
 * <pre>{@code
 * FederatedBundleSource bundles = FederatedBundleSource.newBuilder(ownTrustDomain, authority.bundleSource())
 *     .federate(TrustDomain.of("partner.example"),
 *         HttpBundleSource.newBuilder(TrustDomain.of("partner.example"), partnerEndpoint).build())
 *     .build();
 * }</pre>
 *
 * <p>{@link #bundleFor(TrustDomain)} routes by trust domain: the own trust domain to the own source, a federated one to
 * its source, any other to nothing (verifiers then reject with {@code UNTRUSTED_TRUST_DOMAIN}). So a JWT-SVID or an
 * X.509-SVID is checked only against the bundle of the trust domain its SPIFFE ID names, never against a pool of all
 * bundles (SPIFFE Federation §7.3: trust domains must not be able to speak for each other).
 *
 * <p>Bundles are not self-describing, so the binding of a trust domain to its bundle is kept here: a federated source
 * that hands out a bundle of another trust domain, or a bundle holding an X.509 root whose SPIFFE ID (its URI SAN
 * {@code spiffe://<trust domain>}, as SPIRE and Lanyard's authority write it) names another trust domain, is refused:
 * {@link #bundleFor} throws {@link BundleUnavailableException} (adapters answer 503, fail-closed) and an ERROR is logged
 * once per refused bundle; {@link Builder#build()} refuses it at once when the source has it at start-up. A JWT-only
 * bundle carries nothing that names its trust domain: the source's configuration is all there is.
 *
 * <p>The checks run once per bundle instance; a lookup otherwise costs a map read and an identity comparison, and
 * returns exactly what the underlying source returned (verifiers compare bundle instances to see changes).
 *
 * <p>Thread-safe: immutable routing over thread-safe sources; the last checked bundle of each federated trust domain is
 * a volatile field (a race only checks the same bundle twice).
 */
public final class FederatedBundleSource implements BundleSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FederatedBundleSource.class);

  private final TrustDomain ownTrustDomain;
  private final BundleSource ownSource;
  private final Map<TrustDomain, Federated> federated;
  private final Set<TrustDomain> trustDomains;

  private FederatedBundleSource(TrustDomain ownTrustDomain, BundleSource ownSource,
      Map<TrustDomain, Federated> federated) {
    this.ownTrustDomain = ownTrustDomain;
    this.ownSource = ownSource;
    this.federated = federated;
    Set<TrustDomain> all = new LinkedHashSet<>();
    all.add(ownTrustDomain);
    all.addAll(federated.keySet());
    this.trustDomains = Collections.unmodifiableSet(all);
  }

  /**
   * A builder for this service's trust domain, whose bundle keeps coming from {@code ownSource} (as without
   * federation).
   */
  public static Builder newBuilder(TrustDomain ownTrustDomain, BundleSource ownSource) {
    return new Builder(Objects.requireNonNull(ownTrustDomain, "ownTrustDomain"),
        Objects.requireNonNull(ownSource, "ownSource"));
  }

  @Override
  public Optional<TrustBundle> bundleFor(TrustDomain trustDomain) {
    if (ownTrustDomain.equals(trustDomain)) {
      return ownSource.bundleFor(trustDomain);
    }
    Federated entry = federated.get(trustDomain);
    return entry == null ? Optional.empty() : entry.bundle();
  }

  @Override
  public void requestRefresh(TrustDomain trustDomain) {
    if (ownTrustDomain.equals(trustDomain)) {
      ownSource.requestRefresh(trustDomain);
      return;
    }
    Federated entry = federated.get(trustDomain);
    if (entry != null) {
      entry.source.requestRefresh(trustDomain);
    }
  }

  /** This service's own trust domain. */
  public TrustDomain ownTrustDomain() {
    return ownTrustDomain;
  }

  /** The trust domains federated with, in the order they were added. */
  public Set<TrustDomain> federatedTrustDomains() {
    return Collections.unmodifiableSet(federated.keySet());
  }

  /** The own trust domain followed by the federated ones: every trust domain whose callers can be verified. */
  public Set<TrustDomain> trustDomains() {
    return trustDomains;
  }

  /** Closes every source it holds that is {@link AutoCloseable} (the own one included); failures are logged. */
  @Override
  public void close() {
    closeQuietly(ownSource);
    for (Federated entry : federated.values()) {
      closeQuietly(entry.source);
    }
  }

  private static void closeQuietly(BundleSource source) {
    if (source instanceof AutoCloseable) {
      try {
        ((AutoCloseable) source).close();
      } catch (Exception e) {
        LOG.debug("closing {} failed: {}", source, e.toString());
      }
    }
  }

  /** Metadata only: the trust domains and their sources. */
  @Override
  public String toString() {
    Map<TrustDomain, BundleSource> sources = new LinkedHashMap<>();
    federated.forEach((td, entry) -> sources.put(td, entry.source));
    return "FederatedBundleSource[own=" + ownTrustDomain + " " + ownSource + ", federated=" + sources + "]";
  }

  /** A federated trust domain, its source, and the last bundle of it that passed the binding checks. */
  private static final class Federated {
    final TrustDomain trustDomain;
    final BundleSource source;
    private volatile @Nullable TrustBundle checked;
    private volatile @Nullable TrustBundle refused;

    Federated(TrustDomain trustDomain, BundleSource source) {
      this.trustDomain = trustDomain;
      this.source = source;
    }

    Optional<TrustBundle> bundle() {
      Optional<TrustBundle> current = source.bundleFor(trustDomain);
      TrustBundle bundle = current.orElse(null);
      if (bundle == null || bundle == checked) {
        return current;
      }
      String problem = bindingProblem(trustDomain, bundle);
      if (problem != null) {
        if (refused != bundle) {
          refused = bundle;
          LOG.error("refused the bundle of federated trust domain {} from {}: {}", trustDomain, source, problem);
        }
        throw new BundleUnavailableException("the bundle of federated trust domain " + trustDomain + " from "
            + source + " was refused: " + problem);
      }
      checked = bundle;
      return current;
    }
  }

  /** Why {@code bundle} cannot be the bundle of {@code trustDomain}, or null when nothing in it says otherwise. */
  static @Nullable String bindingProblem(TrustDomain trustDomain, TrustBundle bundle) {
    if (!bundle.trustDomain().equals(trustDomain)) {
      return "it is the bundle of " + bundle.trustDomain() + ", not of " + trustDomain;
    }
    for (X509Certificate root : bundle.x509Authorities()) {
      for (String uri : uriNames(root)) {
        if (!uri.regionMatches(true, 0, "spiffe:", 0, "spiffe:".length())) {
          continue;
        }
        TrustDomain named;
        try {
          named = SpiffeId.parse(uri).trustDomain();
        } catch (InvalidSpiffeIdException e) {
          return "an X.509 root (" + root.getSubjectX500Principal().getName() + ") carries an invalid SPIFFE ID: "
              + e.getMessage();
        }
        if (!named.equals(trustDomain)) {
          return "an X.509 root (" + root.getSubjectX500Principal().getName() + ") belongs to trust domain " + named
              + ", not to " + trustDomain;
        }
      }
    }
    return null;
  }

  private static List<String> uriNames(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      // The root was accepted into the bundle, so it parsed; an unreadable SAN names no trust domain either way.
      return List.of();
    }
    if (names == null) {
      return List.of();
    }
    List<String> uris = new ArrayList<>();
    for (List<?> name : names) {
      if (name.size() >= 2 && Integer.valueOf(6).equals(name.get(0)) && name.get(1) instanceof String) {
        uris.add((String) name.get(1));
      }
    }
    return uris;
  }

  /**
   * Builds a {@link FederatedBundleSource}: one source per federated trust domain. Reusable after {@link #build()}.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private final TrustDomain ownTrustDomain;
    private final BundleSource ownSource;
    private final Map<TrustDomain, BundleSource> federated = new LinkedHashMap<>();

    private Builder(TrustDomain ownTrustDomain, BundleSource ownSource) {
      this.ownTrustDomain = ownTrustDomain;
      this.ownSource = ownSource;
    }

    /**
     * Trusts callers of {@code trustDomain} as verified by the bundle {@code source} hands out for it (and for
     * nothing else).
     *
     * @throws IllegalArgumentException when {@code trustDomain} is the own trust domain (its bundle is the own
     *     source's)
     * @throws IllegalStateException when {@code trustDomain} was already federated
     */
    public Builder federate(TrustDomain trustDomain, BundleSource source) {
      Objects.requireNonNull(trustDomain, "trustDomain");
      Objects.requireNonNull(source, "source");
      if (trustDomain.equals(ownTrustDomain)) {
        throw new IllegalArgumentException("trust domain " + trustDomain + " is this service's own trust domain: its "
            + "bundle comes from the own source, not from a federation entry");
      }
      if (federated.containsKey(trustDomain)) {
        throw new IllegalStateException("trust domain " + trustDomain + " is already federated");
      }
      federated.put(trustDomain, source);
      return this;
    }

    /**
     * The source. Each federated source that already has a bundle is checked now, and one INFO line per federated
     * trust domain names its source.
     *
     * @throws IllegalArgumentException when a federated source hands out a bundle that is not its trust domain's
     */
    public FederatedBundleSource build() {
      Map<TrustDomain, Federated> entries = new LinkedHashMap<>();
      for (Map.Entry<TrustDomain, BundleSource> e : federated.entrySet()) {
        TrustDomain td = e.getKey();
        Optional<TrustBundle> first;
        try {
          first = e.getValue().bundleFor(td);
        } catch (BundleUnavailableException unavailable) {
          first = Optional.empty(); // not fetched yet: checked when it is
        }
        String problem = first.map(bundle -> bindingProblem(td, bundle)).orElse(null);
        if (problem != null) {
          throw new IllegalArgumentException("the bundle source of federated trust domain " + td + " ("
              + e.getValue() + ") is refused: " + problem);
        }
        entries.put(td, new Federated(td, e.getValue()));
      }
      FederatedBundleSource source = new FederatedBundleSource(ownTrustDomain, ownSource,
          Collections.unmodifiableMap(entries));
      for (Map.Entry<TrustDomain, Federated> e : entries.entrySet()) {
        LOG.info("federated with trust domain {}: its bundle comes from {}", e.getKey(), e.getValue().source);
      }
      return source;
    }
  }
}
