package dev.lanyard.spring;

import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code lanyard} actuator endpoint: the service's SPIFFE ID, its X.509-SVID's expiry and next renewal, the trust
 * bundle's key ids, sequence and last refresh, the policy's size, and counters of accepted and refused calls. Never a
 * token, key or certificate body.
 */
@Endpoint(id = "lanyard")
final class LanyardEndpoint {
  private final LanyardStatus status;

  LanyardEndpoint(LanyardStatus status) {
    this.status = status;
  }

  @ReadOperation
  public Map<String, Object> lanyard() {
    return status.describe();
  }
}
