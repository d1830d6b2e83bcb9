/**
 * Servlet helpers shared by Lanyard's adapter modules (the filter and the Spring starter). Nothing here is API; the
 * classes are public only so that the adapters can share them, and they may change in any release.
 */
package dev.lanyard.servlet.internal;
