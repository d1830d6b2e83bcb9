package dev.lanyard.workloadapi;

import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The trust bundles the agent sends: per trust domain (its own and each federated one), the X.509 roots of the X.509
 * stream and the JWT keys of the JWT bundle stream, as one {@link TrustBundle}. A bundle whose content did not change
 * keeps its instance, so verifiers keep their caches. A trust domain the agent stops sending is no longer trusted.
 *
 * <p>Thread-safe: updates are serialized by this object's lock and publish an immutable map that reads take without
 * locking.
 */
final class WorkloadApiBundleSource implements BundleSource {
  private volatile Map<TrustDomain, TrustBundle> bundles = Map.of();
  private Map<TrustDomain, List<X509Certificate>> roots = Map.of();
  private Map<TrustDomain, TrustBundle> jwtBundles = Map.of();

  @Override
  public Optional<TrustBundle> bundleFor(TrustDomain trustDomain) {
    return Optional.ofNullable(bundles.get(trustDomain));
  }

  /** The X.509 roots of the latest X.509 message, per trust domain. */
  synchronized void updateX509(Map<TrustDomain, List<X509Certificate>> roots) {
    this.roots = Map.copyOf(roots);
    publish();
  }

  /** The JWT keys of the latest JWT bundles message, per trust domain. */
  synchronized void updateJwt(Map<TrustDomain, TrustBundle> jwtBundles) {
    this.jwtBundles = Map.copyOf(jwtBundles);
    publish();
  }

  /** The JWT bundle of the latest JWT bundles message for {@code trustDomain}, if any. */
  synchronized @Nullable TrustBundle jwtBundle(TrustDomain trustDomain) {
    return jwtBundles.get(trustDomain);
  }

  /** The trust domains there are bundles for. */
  Set<TrustDomain> trustDomains() {
    return bundles.keySet();
  }

  private void publish() {
    Set<TrustDomain> domains = new HashSet<>(roots.keySet());
    domains.addAll(jwtBundles.keySet());
    Map<TrustDomain, TrustBundle> previous = bundles;
    Map<TrustDomain, TrustBundle> next = new HashMap<>();
    for (TrustDomain domain : domains) {
      TrustBundle merged = AgentMessages.merge(domain, jwtBundles.get(domain), roots.getOrDefault(domain, List.of()));
      TrustBundle old = previous.get(domain);
      next.put(domain, old != null && old.equals(merged) ? old : merged);
    }
    bundles = Map.copyOf(next);
  }

  @Override
  public String toString() {
    return "WorkloadApiBundleSource" + bundles.keySet();
  }
}
