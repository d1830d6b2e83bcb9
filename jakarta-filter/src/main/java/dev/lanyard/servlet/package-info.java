/**
 * A Jakarta servlet filter that verifies every inbound call (JWT-SVID bearer token and/or X.509-SVID client
 * certificate) and enforces request-time policy, deny by default. Configure it with init-params in
 * {@code web.xml}, or build it with {@link dev.lanyard.servlet.LanyardFilter#newBuilder()}.
 */
@NullMarked
package dev.lanyard.servlet;

import org.jspecify.annotations.NullMarked;
