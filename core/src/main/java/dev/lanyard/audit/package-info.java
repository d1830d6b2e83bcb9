/**
 * Audit: one {@link dev.lanyard.audit.AuditEvent} per authentication and authorization decision — who called, what,
 * the decision and its reason, the token id (never the token) — delivered to an {@link dev.lanyard.audit.AuditSink}
 * (SLF4J by default: logger {@code lanyard.audit}, one JSON object per line, see
 * {@link dev.lanyard.audit.AuditEvent#toJson()}).
 */
@NullMarked
package dev.lanyard.audit;

import org.jspecify.annotations.NullMarked;
