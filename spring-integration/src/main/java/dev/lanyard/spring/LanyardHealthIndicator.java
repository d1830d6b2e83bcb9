package dev.lanyard.spring;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** DOWN when the service's own X.509-SVID has expired or the trust bundle cannot be had (stale beyond its bound). */
final class LanyardHealthIndicator extends AbstractHealthIndicator {
  private final LanyardStatus status;

  LanyardHealthIndicator(LanyardStatus status) {
    super("Lanyard health check failed");
    this.status = status;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    builder.withDetails(status.healthDetails());
    String problem = status.problem();
    if (problem == null) {
      builder.up();
    } else {
      builder.down().withDetail("problem", problem);
    }
  }
}
