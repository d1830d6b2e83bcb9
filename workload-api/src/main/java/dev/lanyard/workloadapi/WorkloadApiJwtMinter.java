package dev.lanyard.workloadapi;

import dev.lanyard.credentials.JwtSvidMinter;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.spiffe.workloadapi.grpc.Workload;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Mints JWT-SVIDs by asking the agent ({@code FetchJWTSVID}), one call per token, bounded by the timeout. The
 * Workload API takes audiences and the SPIFFE ID, nothing else: it grants no scopes (asking for any is refused) and
 * the lifetime is the agent's (a {@code ttl} asked for is not sent). A token whose signing key the agent's bundle
 * no longer holds is not {@linkplain #isUsable usable}, so caches fetch a new one.
 *
 * <p>Thread-safe: stateless but for the thread-safe gRPC channel.
 */
final class WorkloadApiJwtMinter implements JwtSvidMinter {
  private final AgentChannel channel;
  private final Duration timeout;
  private final BundleSource bundles;

  WorkloadApiJwtMinter(AgentChannel channel, Duration timeout, BundleSource bundles) {
    this.channel = channel;
    this.timeout = timeout;
    this.bundles = bundles;
  }

  /**
   * False once the agent's JWT bundle of the token's trust domain no longer holds its signing key (the key was
   * withdrawn): then a cached token is fetched anew at once. True while the bundle is not known.
   */
  @Override
  public boolean isUsable(JwtSvid svid) {
    Optional<TrustBundle> bundle;
    try {
      bundle = bundles.bundleFor(svid.subject().trustDomain());
    } catch (RuntimeException e) {
      return true;
    }
    return bundle.isEmpty() || bundle.get().jwtKey(svid.keyId()).isPresent();
  }

  @Override
  public JwtSvid mint(SpiffeId subject, Collection<String> audience, Collection<String> scopes,
      @Nullable Duration ttl) {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(scopes, "scopes");
    if (audience.isEmpty()) {
      throw new IllegalArgumentException("at least one audience is required");
    }
    if (!scopes.isEmpty()) {
      throw new IllegalArgumentException("the SPIFFE Workload API mints JWT-SVIDs without scopes: ask for none "
          + "(asked for " + scopes + ")");
    }
    Workload.JWTSVIDRequest request = Workload.JWTSVIDRequest.newBuilder()
        .addAllAudience(audience).setSpiffeId(subject.toString()).build();
    Workload.JWTSVIDResponse response;
    channel.resetConnectBackoff();
    try {
      response = channel.blockingStub().withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .fetchJWTSVID(request);
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      throw new WorkloadApiException("the Workload API at " + channel.address() + " minted no JWT-SVID for "
          + subject + " and audience " + audience + " within " + timeout + ": " + status.getCode()
          + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"), e);
    }
    for (Workload.JWTSVID entry : response.getSvidsList()) {
      if (!entry.getSpiffeId().equals(subject.toString())) {
        continue;
      }
      JwtSvid svid;
      try {
        svid = JwtSvid.decodeUnverified(entry.getSvid());
      } catch (JwtSvidRejectedException e) {
        throw new WorkloadApiException("the Workload API at " + channel.address() + " sent a JWT-SVID for " + subject
            + " that is not one (" + e.reason() + "): " + e.getMessage(), e);
      }
      if (!svid.subject().equals(subject) || !svid.audience().containsAll(audience)) {
        throw new WorkloadApiException("the Workload API at " + channel.address() + " sent a JWT-SVID for "
            + svid.subject() + " and audience " + svid.audience() + " when asked for " + subject + " and " + audience);
      }
      return svid;
    }
    throw new WorkloadApiException("the Workload API at " + channel.address() + " sent no JWT-SVID for " + subject
        + " (audience " + audience + ")");
  }

  @Override
  public String toString() {
    return "WorkloadApiJwtMinter[" + channel.address() + "]";
  }
}
