/**
 * Request-time authorization: which callers may call which endpoint with which scopes, deny by default.
 *
 * <p>A {@link dev.lanyard.policy.Policy} is parsed from the policy file syntax — one rule per line,
 * {@code METHODS PATH CALLERS [SCOPES]}, {@code #} comments — and answers each request with a
 * {@link dev.lanyard.policy.Decision} that says why. Rules are indexed by path segment and method, so deciding costs
 * the same for ten rules as for a hundred thousand.
 */
@NullMarked
package dev.lanyard.policy;

import org.jspecify.annotations.NullMarked;
