package dev.lanyard.spring;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditRing;
import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.TrustGraph;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.util.MimeType;

/**
 * The {@code lanyard} actuator endpoint: the service's SPIFFE ID, its X.509-SVID's expiry and next renewal, the trust
 * bundle's key ids, sequence and last refresh, the policy's size, and counters of accepted and refused calls. Never a
 * token, key or certificate body. Two parts:
 * <ul>
 *   <li>{@code /actuator/lanyard/graph?format=json|dot|mermaid}: the trust graph the inbound filter records (one edge
 *       per verified caller and deciding rule, with counts and denials by reason), as the {@code lanyard-graph/1}
 *       JSON document that {@code lanyard graph merge} reads (default), Graphviz DOT or a Mermaid flowchart; 404
 *       without inbound verification, 400 for another format.</li>
 *   <li>{@code /actuator/lanyard/audit?limit=N}: the last decisions of the audit ring (at most {@code N}, default all
 *       it holds), oldest first and newest last, and the authority's issuance and trust-chain events, each as the
 *       one-line JSON object of {@code AuditEvent.toJson()}; 404 with {@code lanyard.audit.ring-size=0}, 400 for a
 *       limit below 1.</li>
 * </ul>
 *
 * <p>Thread-safe: reads snapshots of thread-safe collaborators.
 */
@Endpoint(id = "lanyard")
final class LanyardEndpoint {
  /** The selector of the trust graph. */
  static final String GRAPH = "graph";
  /** The selector of the recent audit events. */
  static final String AUDIT = "audit";
  static final MimeType JSON = MimeType.valueOf("application/json");
  static final MimeType DOT = MimeType.valueOf("text/vnd.graphviz");
  static final MimeType TEXT = MimeType.valueOf("text/plain");

  private final LanyardStatus status;
  private final Supplier<@Nullable TrustGraph> graph;
  private final @Nullable AuditRing ring;

  LanyardEndpoint(LanyardStatus status) {
    this(status, () -> null, null);
  }

  LanyardEndpoint(LanyardStatus status, Supplier<@Nullable TrustGraph> graph, @Nullable AuditRing ring) {
    this.status = status;
    this.graph = graph;
    this.ring = ring;
  }

  @ReadOperation
  public Map<String, Object> lanyard() {
    return status.describe();
  }

  /**
   * The part named by the selector: {@value #GRAPH} (with {@code format}) or {@value #AUDIT} (with {@code limit});
   * 404 for any other.
   */
  @ReadOperation(produces = {"application/json", "text/vnd.graphviz", "text/plain"})
  public WebEndpointResponse<String> part(@Selector String part, @Nullable String format, @Nullable Integer limit) {
    if (GRAPH.equals(part)) {
      return graph(format);
    }
    if (AUDIT.equals(part)) {
      return audit(limit);
    }
    return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
  }

  private WebEndpointResponse<String> graph(@Nullable String format) {
    TrustGraph g = graph.get();
    if (g == null) {
      return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
    }
    if (format == null || format.equals("json")) {
      return new WebEndpointResponse<>(g.snapshot().toJson(), WebEndpointResponse.STATUS_OK, JSON);
    }
    GraphSnapshot snapshot = g.snapshot();
    if (format.equals("dot")) {
      return new WebEndpointResponse<>(snapshot.toDot(), WebEndpointResponse.STATUS_OK, DOT);
    }
    if (format.equals("mermaid")) {
      return new WebEndpointResponse<>(snapshot.toMermaid(), WebEndpointResponse.STATUS_OK, TEXT);
    }
    return new WebEndpointResponse<>("{\"error\":\"format must be json, dot or mermaid\"}",
        WebEndpointResponse.STATUS_BAD_REQUEST, JSON);
  }

  private WebEndpointResponse<String> audit(@Nullable Integer limit) {
    AuditRing r = ring;
    if (r == null) {
      return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
    }
    if (limit != null && limit < 1) {
      return new WebEndpointResponse<>("{\"error\":\"limit must be at least 1\"}",
          WebEndpointResponse.STATUS_BAD_REQUEST, JSON);
    }
    List<AuditEvent> events = last(r.events(), limit);
    List<AuthorityEvent> authority = last(r.authorityEvents(), limit);
    StringBuilder sb = new StringBuilder(256 + 256 * (events.size() + authority.size()));
    sb.append("{\"capacity\":").append(r.capacity()).append(",\"dropped\":").append(r.dropped())
        .append(",\"authorityDropped\":").append(r.authorityDropped()).append(",\"events\":[");
    for (int i = 0; i < events.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(events.get(i).toJson());
    }
    sb.append("],\"authorityEvents\":[");
    for (int i = 0; i < authority.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(authority.get(i).toJson());
    }
    return new WebEndpointResponse<>(sb.append("]}").toString(), WebEndpointResponse.STATUS_OK, JSON);
  }

  private static <E> List<E> last(List<E> events, @Nullable Integer limit) {
    return limit == null || limit >= events.size() ? events : events.subList(events.size() - limit, events.size());
  }
}
