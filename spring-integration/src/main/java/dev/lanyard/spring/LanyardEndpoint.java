package dev.lanyard.spring;

import dev.lanyard.graph.TrustGraph;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code lanyard} actuator endpoint: the service's SPIFFE ID, its X.509-SVID's expiry and next renewal, the trust
 * bundle's key ids, sequence and last refresh, the policy's size, and counters of accepted and refused calls. Never a
 * token, key or certificate body. {@code /actuator/lanyard/graph} serves the trust graph the inbound filter records
 * (one edge per verified caller and deciding rule, with counts and denials by reason) as the {@code lanyard-graph/1}
 * JSON document that {@code lanyard graph merge} reads; 404 without inbound verification.
 */
@Endpoint(id = "lanyard")
final class LanyardEndpoint {
  /** The selector of the trust graph. */
  static final String GRAPH = "graph";

  private final LanyardStatus status;
  private final Supplier<@Nullable TrustGraph> graph;

  LanyardEndpoint(LanyardStatus status) {
    this(status, () -> null);
  }

  LanyardEndpoint(LanyardStatus status, Supplier<@Nullable TrustGraph> graph) {
    this.status = status;
    this.graph = graph;
  }

  @ReadOperation
  public Map<String, Object> lanyard() {
    return status.describe();
  }

  /** The trust graph as JSON for the selector {@value #GRAPH}; null (404) for any other or without a graph. */
  @ReadOperation(produces = "application/json")
  public @Nullable String part(@Selector String part) {
    if (!GRAPH.equals(part)) {
      return null;
    }
    TrustGraph g = graph.get();
    return g == null ? null : g.snapshot().toJson();
  }
}
