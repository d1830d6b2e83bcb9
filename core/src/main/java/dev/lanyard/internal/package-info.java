/**
 * Lanyard's internal machinery: strict base64url and JSON handling, signature checks and signing, PEM and
 * certificates, DNS names, bundle document fetching. <b>Not API.</b> The classes are public only so that Lanyard's
 * own packages and modules (the servlet filter, the Spring starter, the CLI) can share them; they may change or go
 * in any release, and no public signature of another package names them ({@code ArchitectureTest} checks it).
 *
 * <p>In the layering of core this package sits just above {@code spiffe} and {@code jose} and below everything
 * else: it may use those two and nothing else of Lanyard. The jar's module name is {@code dev.lanyard.core}
 * ({@code Automatic-Module-Name}); a future {@code module-info} would export this package only to
 * {@code dev.lanyard.servlet}, {@code dev.lanyard.spring} and {@code dev.lanyard.cli}.
 */
@NullMarked
package dev.lanyard.internal;

import org.jspecify.annotations.NullMarked;
