package dev.lanyard.spring;

import static dev.lanyard.spring.LanyardSettings.WORKLOAD_API_SOCKET;
import static dev.lanyard.spring.LanyardSettings.invalid;

import dev.lanyard.credentials.JwtSvidSource;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.workloadapi.WorkloadApiException;
import dev.lanyard.workloadapi.WorkloadApiIdentity;

/**
 * The service's identity from a SPIRE agent ({@code lanyard.identity.source=workload-api}): the module
 * {@code lanyard-workload-api}'s {@link WorkloadApiIdentity} for {@code lanyard.spiffe-id}. Loaded only when that
 * module is on the class path ({@link LanyardSources#workloadApiIdentity} checks first).
 *
 * <p>Thread-safe: the identity and its sources are.
 */
final class WorkloadApiLanyardIdentity implements LanyardIdentity, AutoCloseable {
  private final WorkloadApiIdentity identity;

  private WorkloadApiLanyardIdentity(WorkloadApiIdentity identity) {
    this.identity = identity;
  }

  /**
   * Connects to the agent and waits for the service's X.509-SVID and bundles.
   *
   * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
   *     {@code lanyard.workload-api.socket} when the address is bad or no agent answered in time
   */
  static LanyardIdentity connect(LanyardSettings settings) {
    String socket = settings.workloadApiSocket().orElse(null);
    WorkloadApiIdentity.Builder builder = WorkloadApiIdentity.newBuilder().spiffeId(settings.spiffeId())
        .timeout(settings.workloadApiTimeout());
    try {
      if (socket != null) {
        builder.socket(socket);
      }
      return new WorkloadApiLanyardIdentity(builder.build());
    } catch (IllegalArgumentException | WorkloadApiException e) {
      throw invalid(WORKLOAD_API_SOCKET, socket == null ? "(" + WorkloadApiIdentity.SOCKET_ENV + ")" : socket,
          e.getMessage());
    }
  }

  @Override
  public SpiffeId spiffeId() {
    return identity.spiffeId();
  }

  @Override
  public JwtSvidSource jwtSvids() {
    return identity.jwtSvids();
  }

  @Override
  public X509SvidSource x509Svids() {
    return identity.x509Svids();
  }

  @Override
  public BundleSource bundles() {
    return identity.bundles();
  }

  /** Stops watching the agent. */
  @Override
  public void close() {
    identity.close();
  }

  @Override
  public String toString() {
    return "WorkloadApiLanyardIdentity[" + identity + "]";
  }
}
