package dev.lanyard.servlet;

import dev.lanyard.graph.GraphSnapshot;
import dev.lanyard.graph.TrustGraph;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link LanyardFilter}'s trust graph (opt-in): the calls the service observed, one edge per caller and
 * deciding rule, with counts and denials by reason. Never a token or key.
 *
 * <table>
 *   <caption>Responses</caption>
 *   <tr><th>request</th><th>status</th><th>{@code Content-Type}</th></tr>
 *   <tr><td>{@code GET}</td><td>200</td><td>{@code application/json} (the {@code lanyard-graph/1} document that
 *       {@code lanyard graph merge} reads)</td></tr>
 *   <tr><td>{@code GET ?format=dot}</td><td>200</td><td>{@code text/vnd.graphviz}</td></tr>
 *   <tr><td>{@code GET ?format=mermaid}</td><td>200</td><td>{@code text/plain} (a Mermaid flowchart)</td></tr>
 *   <tr><td>{@code GET} with any other {@code format}</td><td>400</td><td></td></tr>
 *   <tr><td>any other method</td><td>405</td><td>{@code Allow: GET}</td></tr>
 *   <tr><td>the filter named by {@value #FILTER_NAME} has not started</td><td>503</td><td></td></tr>
 * </table>
 * Every response has {@code Cache-Control: no-store}.
 *
 * <p>Configuration: in {@code web.xml}, the init-param {@value #FILTER_NAME} names the {@link LanyardFilter} whose
 * graph is served (the filter publishes it when it starts, see {@link LanyardFilter#TRUST_GRAPH_ATTRIBUTE_PREFIX});
 * programmatically, {@link #TrustGraphServlet(Supplier)} takes the graph's supplier, e.g. {@code filter::trustGraph}.
 * The graph names the service's callers: map the servlet to an internal path and protect it, e.g. with a policy rule
 * that allows only the operators' SPIFFE IDs.
 *
 * <p>Thread-safe: configured once (by {@link #init} or its constructor), then shared by all request threads.
 */
public final class TrustGraphServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** Init-param: the name of the {@link LanyardFilter} whose graph is served. */
  public static final String FILTER_NAME = "filter-name";

  private static final Logger LOG = LoggerFactory.getLogger(TrustGraphServlet.class);

  private transient volatile @Nullable Supplier<@Nullable TrustGraph> graph;

  /** For {@code web.xml}: serves the graph of the filter named by the init-param {@value #FILTER_NAME}. */
  public TrustGraphServlet() {}

  /** Serves the graph {@code graph} supplies (e.g. {@code filter::trustGraph}). */
  public TrustGraphServlet(Supplier<TrustGraph> graph) {
    Objects.requireNonNull(graph, "graph");
    this.graph = graph::get;
  }

  @Override
  public void init() throws ServletException {
    if (graph != null) {
      LOG.info("Serving a trust graph at {}", getServletName());
      return;
    }
    String filterName = getInitParameter(FILTER_NAME);
    if (filterName == null || filterName.isBlank()) {
      throw new ServletException("Trust graph servlet '" + getServletName() + "': init-param " + FILTER_NAME
          + " is required (the name of the Lanyard filter whose graph is served)");
    }
    String attribute = LanyardFilter.TRUST_GRAPH_ATTRIBUTE_PREFIX + filterName.strip();
    ServletContext context = getServletContext();
    graph = () -> {
      Object g = context.getAttribute(attribute);
      return g instanceof TrustGraph ? (TrustGraph) g : null;
    };
    LOG.info("Serving the trust graph of Lanyard filter '{}' at {}", filterName.strip(), getServletName());
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    response.setHeader("Cache-Control", "no-store");
    if (!"GET".equals(request.getMethod())) {
      response.setHeader("Allow", "GET");
      response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
      return;
    }
    String format = request.getParameter("format");
    String contentType;
    if (format == null || format.equals("json")) {
      contentType = "application/json";
    } else if (format.equals("dot")) {
      contentType = "text/vnd.graphviz";
    } else if (format.equals("mermaid")) {
      contentType = "text/plain";
    } else {
      response.sendError(HttpServletResponse.SC_BAD_REQUEST, "format must be json, dot or mermaid");
      return;
    }
    Supplier<@Nullable TrustGraph> source = graph;
    TrustGraph g = source == null ? null : source.get();
    if (g == null) {
      response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      return;
    }
    GraphSnapshot snapshot = g.snapshot();
    String body = contentType.equals("application/json") ? snapshot.toJson()
        : contentType.equals("text/vnd.graphviz") ? snapshot.toDot() : snapshot.toMermaid();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType(contentType + ";charset=utf-8");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}
