/**
 * Lanyard's internal machinery: strict base64url and JSON handling, signature checks and signing. Nothing here is
 * API; the classes are public only so that Lanyard's own packages can share them, and they may change in any release.
 */
@NullMarked
package dev.lanyard.internal;

import org.jspecify.annotations.NullMarked;
