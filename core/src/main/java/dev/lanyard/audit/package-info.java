/**
 * Audit: one {@link dev.lanyard.audit.AuditEvent} per authentication and authorization decision — who called, what,
 * the decision and its reason, the token id (never the token) — delivered to an {@link dev.lanyard.audit.AuditSink}
 * (SLF4J by default).
 */
package dev.lanyard.audit;
