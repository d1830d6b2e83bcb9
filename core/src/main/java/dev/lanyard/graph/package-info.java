/**
 * The trust graph: the calls one service observes, caller to callee per matched policy rule, with counts, first and
 * last seen, scopes presented, required and used, and denials by reason. A {@link dev.lanyard.graph.TrustGraph}
 * records on the request path without locking; its {@link dev.lanyard.graph.GraphSnapshot} exports JSON
 * ({@code lanyard-graph/1}), Graphviz DOT and Mermaid, and several snapshots merge into the estate map.
 */
@NullMarked
package dev.lanyard.graph;

import org.jspecify.annotations.NullMarked;
