/**
 * Audit: one {@link dev.lanyard.audit.AuditEvent} per authentication and authorization decision — who called, what,
 * the decision and its reason, the token id (never the token) — delivered to an {@link dev.lanyard.audit.AuditSink}
 * (SLF4J by default: logger {@code lanyard.audit}, one JSON object per line, see
 * {@link dev.lanyard.audit.AuditEvent#toJson()}), and one {@link dev.lanyard.audit.AuthorityEvent} per issuance or
 * trust-chain change. {@link dev.lanyard.audit.AuditSink} is also the listener API; {@link dev.lanyard.audit.AuditRing}
 * keeps the last events in memory, and {@link dev.lanyard.audit.AuditSink#async} puts a bounded queue and one thread
 * in front of a sink, so recording never blocks.
 */
@NullMarked
package dev.lanyard.audit;

import org.jspecify.annotations.NullMarked;
