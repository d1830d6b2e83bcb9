/**
 * The embedded authority: an in-JVM issuer for one trust domain, for development, tests and single hosts.
 *
 * <p>{@link dev.lanyard.authority.EmbeddedAuthority} holds JWT signing keys with a lifecycle like SPIRE's: a next key
 * is prepared and published in the bundle before it signs, then activated; a retired key stays published until the
 * last token it signed has expired; a key can be tainted (it stops signing and caches re-mint) and revoked (it leaves
 * the bundle and verifiers refuse its tokens at once). X.509 CAs follow the same lifecycle. A TTL asked for beyond
 * the authority's maximum is shortened to it, as the minter and issuer interfaces allow. The authority can persist to
 * a directory, with private keys in files of mode 0600 written atomically, so that the CLI and restarted processes
 * keep the same authority. A directory or key file another user owns or may write (or, for a key, read) is refused on
 * creation and on opening. Several processes may share one directory: creation and every change take its lock, and
 * each process picks up the others' changes (keys and revocations) within seconds.
 */
@NullMarked
package dev.lanyard.authority;

import org.jspecify.annotations.NullMarked;
