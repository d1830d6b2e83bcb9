package dev.lanyard.jwt;

/**
 * Receives every decision a {@link JwtSvidVerifier} makes, accepted or rejected, for audit. Called on the verifying
 * thread, so keep it quick; an exception it throws is logged and never changes the decision.
 *
 * <p>Thread-safe: implementations must be, since a verifier calls its listener on every verifying thread.
 */
@FunctionalInterface
public interface VerificationListener {
  /** Called once per verification. */
  void onDecision(VerificationEvent event);
}
